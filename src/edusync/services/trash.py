"""The trash at county scale: filtered and counted in SQL, a page at a time, restored one or many at once.

Restoring one object is :func:`edusync.services.objects.restore`'s; this module adds the filters,
the paging, the count, and the bulk forms: a list of ids, or everything a filter matches (one
manual run, and one audit entry per object so each object's history shows it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, TextClause, func, or_, select, update
from sqlalchemy import text as sql

from edusync.errors import FatalError
from edusync.model.fnr import mask_text, redact
from edusync.model.hashing import dumps, loads
from edusync.model.records import State
from edusync.services import objects
from edusync.services.lookup import like_escape, listed, name_of
from edusync.services.paging import BadQuery, Page, check_limit, check_offset, decode_str, page_of
from edusync.services.people import TYPES
from edusync.storage import Database, tables
from edusync.storage.audit import utcnow

MAX_BULK = 500
#: Rows written per statement when everything a filter matches is restored.
CHUNK = 1000


def since_of(value: str | None) -> str | None:
    """A day (``YYYY-MM-DD``) or a time (ISO 8601) to compare stored time stamps with; else a BadQuery."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise BadQuery(f"since {value!r} is not a date (YYYY-MM-DD) or a time (ISO 8601)") from None


@dataclass(frozen=True)
class TrashFilter:
    """Which objects in grace or the trash a list, a count or a bulk restore means; empty fields match all.

    ``school`` is the school's metaverse id (a membership is at a school when its group is); ``since`` a
    day or a time; ``text`` any part of the object's attributes.
    """

    object_type: str | None = None
    state: str | None = None
    school: str | None = None
    since: str | None = None
    text: str | None = None

    def conditions(self) -> list[ColumnElement[bool] | TextClause]:
        """The filter as SQL conditions on ``mv_objects``; a value that is not one is a BadQuery."""
        states = [State.DISABLED.value, State.GRACE.value]
        if self.state:
            if self.state not in states:
                raise BadQuery(f"state {self.state!r} is neither grace nor disabled")
            states = [self.state]
        if self.object_type and self.object_type not in TYPES:
            raise BadQuery(f"type {self.object_type!r} is none of {', '.join(TYPES)}")
        mv = tables.mv_objects
        # The literal condition is the partial index's own (ix_mv_state), so both databases use it.
        conds: list[ColumnElement[bool] | TextClause] = [sql("mv_objects.state != 'active'"), mv.c.state.in_(states)]
        if self.object_type:
            conds.append(mv.c.object_type == self.object_type)
        if self.school:
            quoted_school = '"school":' + orjson.dumps(self.school).decode()
            at_school = f"%{like_escape(quoted_school)}%"
            g = mv.alias("grp")
            groups = select(g.c.id).where(g.c.object_type == "group", g.c.attrs.like(at_school, escape="\\"))
            conds.append(or_(mv.c.attrs.like(at_school, escape="\\"), mv.c.group_id.in_(groups)))
        if (day := since_of(self.since)) is not None:
            conds.append(mv.c.state_since >= day)
        if self.text:
            conds.append(mv.c.attrs.ilike(f"%{like_escape(self.text)}%", escape="\\"))
        return conds

    def described(self) -> str:
        """The filter as a person reads it back (``type person, school …``), or ``no filter``."""
        named = {"type": self.object_type, "state": self.state, "school": self.school, "since": self.since}
        return ", ".join(f"{k} {v}" for k, v in named.items() if v) or "no filter"


EVERYTHING = TrashFilter()


def list_trash(
    db: Database,
    where: TrashFilter = EVERYTHING,
    *,
    limit: int = 50,
    cursor: str | None = None,
    offset: int = 0,
) -> Page:
    """Objects in grace or in the trash that ``where`` matches, by id; a membership is named by its
    person and group. ``cursor`` (keyset) or ``offset`` pages on."""
    check_limit(limit)
    check_offset(offset)
    mv = tables.mv_objects
    q = select(mv.c.id, mv.c.object_type, mv.c.state, mv.c.state_since, mv.c.attrs, mv.c.person_id, mv.c.group_id)
    q = q.where(*where.conditions())
    after = decode_str(cursor)
    if after is not None:
        q = q.where(mv.c.id > after)
    with db.begin() as conn:
        rows = conn.execute(q.order_by(mv.c.id).offset(offset).limit(limit + 1)).all()
        rows, nxt = page_of(rows, limit, lambda r: str(r.id))
        names = _names(conn, {i for r in rows for i in (r.person_id, r.group_id) if i})
    return Page([_item(r, names) for r in rows], nxt, {"offset": offset, "limit": limit})


def count_trash(db: Database, where: TrashFilter = EVERYTHING) -> int:
    """How many objects ``where`` matches (one ``COUNT``: nothing is read into memory)."""
    with db.begin() as conn:
        count = select(func.count()).select_from(tables.mv_objects).where(*where.conditions())
        return int(conn.execute(count).scalar_one())


def _names(conn: Connection, ids: set[str]) -> dict[str, str]:
    mv = tables.mv_objects
    if not ids:
        return {}
    return {i: name_of(loads(a)) for i, a in conn.execute(select(mv.c.id, mv.c.attrs).where(mv.c.id.in_(sorted(ids))))}


def _item(r: Any, names: dict[str, str]) -> dict[str, Any]:
    item = listed(r) | {"since": r.state_since}
    if r.object_type == "membership":
        attrs = loads(r.attrs)
        person = names.get(r.person_id or "") or r.person_id or "?"
        group = names.get(r.group_id or "") or r.group_id or "?"
        role = f" ({attrs['role']})" if attrs.get("role") else ""
        item |= {
            "person": r.person_id,
            "group": r.group_id,
            "name": mask_text(f"{person} in {group}{role}"),
        }
    return item


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


def restore_matching(db: Database, actor: str, where: TrashFilter) -> dict[str, Any]:
    """Restore everything ``where`` matches, in one transaction under one manual run; the next run
    provisions it. Each object gets its own audit entry (``restore``), as a single restore does."""
    mv = tables.mv_objects
    with db.begin() as conn:
        matched = select(mv.c.id, mv.c.object_type, mv.c.state).where(*where.conditions())
        rows = conn.execute(matched.order_by(mv.c.id)).all()
        by_type: dict[str, int] = {}
        for r in rows:
            by_type[r.object_type] = by_type.get(r.object_type, 0) + 1
        if not rows:
            return {"restored": 0, "by_type": {}, "run_id": None}
        now = utcnow().isoformat(timespec="seconds")
        run_id = objects.manual_run(conn, by_type, now)
        for start in range(0, len(rows), CHUNK):
            _restore_chunk(conn, rows[start : start + CHUNK], actor, run_id, now)
    return {"restored": len(rows), "by_type": by_type, "run_id": run_id}


def _restore_chunk(conn: Connection, rows: Sequence[Any], actor: str, run_id: int, now: str) -> None:
    mv = tables.mv_objects
    conn.execute(
        update(mv)
        .where(mv.c.id.in_([r.id for r in rows]), mv.c.state.in_([State.DISABLED.value, State.GRACE.value]))
        .values(state=State.ACTIVE.value, state_since=now, changed_run=run_id)
    )
    entries = [
        {
            "at": now,
            "actor": actor,
            "action": "restore",
            "run_id": run_id,
            "change_set_id": None,
            "detail": dumps(redact({"object": r.id, "type": r.object_type, "was": r.state})),
        }
        for r in rows
    ]
    conn.execute(tables.audit_log.insert(), entries)
