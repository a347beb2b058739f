"""The trash at county scale: filtered, a page at a time, and restored one or many at once.

Restoring is :func:`edusync.services.objects.restore`'s (each restore is audited); this module
adds the filters, the paging and the bulk form.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from edusync.errors import FatalError
from edusync.model.hashing import loads
from edusync.model.records import State
from edusync.services import objects
from edusync.services.paging import BadQuery, Page, check_limit, decode_str, page_of
from edusync.services.people import TYPES, listed
from edusync.storage import Database, tables

MAX_BULK = 500


def list_trash(
    db: Database,
    *,
    object_type: str | None = None,
    state: str | None = None,
    school: str | None = None,
    since: str | None = None,
    text: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Objects in grace or in the trash (``state``: ``grace`` or ``disabled``), by id."""
    check_limit(limit)
    states = [State.DISABLED.value, State.GRACE.value]
    if state:
        if state not in states:
            raise BadQuery(f"state {state!r} is neither grace nor disabled")
        states = [state]
    if object_type and object_type not in TYPES:
        raise BadQuery(f"type {object_type!r} is none of {', '.join(TYPES)}")
    mv = tables.mv_objects
    q = select(mv.c.id, mv.c.object_type, mv.c.state, mv.c.state_since, mv.c.attrs).where(mv.c.state.in_(states))
    if object_type:
        q = q.where(mv.c.object_type == object_type)
    if school:
        q = q.where(mv.c.attrs.like(f'%"school":"{school.replace(chr(34), "")}"%'))
    if since:
        q = q.where(mv.c.state_since >= since)
    if text:
        q = q.where(mv.c.attrs.ilike(f"%{text.replace('%', '')}%"))
    after = decode_str(cursor)
    if after is not None:
        q = q.where(mv.c.id > after)
    with db.begin() as conn:
        rows = conn.execute(q.order_by(mv.c.id).limit(limit + 1)).all()
    rows, nxt = page_of(rows, limit, lambda r: str(r.id))
    return Page([listed(r, loads(r.attrs), name_memberships=True, since=r.state_since) for r in rows], nxt)


def restore_many(db: Database, ids: list[str], actor: str) -> dict[str, Any]:
    """Restore each of ``ids``; one that cannot be restored is reported and the rest go on."""
    ids = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    if not ids:
        raise BadQuery("name at least one object to restore")
    if len(ids) > MAX_BULK:
        raise BadQuery(f"restore {MAX_BULK} objects at most at once (given {len(ids)})")
    restored, refused = [], []
    for key in ids:
        try:
            restored.append(objects.restore(db, key, actor))
        except FatalError as exc:
            refused.append({"id": key, "reason": str(exc)})
    return {"restored": restored, "refused": refused}
