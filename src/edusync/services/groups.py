"""The metaverse as the groups API reads it: the objects it shows, memberships by person or group.

Only objects in a state the API shows are read (active, grace, archived: see :data:`SHOWN`).
Every read opens its own short transaction, so a slow client never holds one open.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

from sqlalchemy import func, select

from edusync import vault
from edusync.model.hashing import loads
from edusync.storage import Database, tables

#: Lifecycle states whose objects the API shows (a group in grace still has its members today).
SHOWN = ("active", "grace", "archived")

mv = tables.mv_objects


def shown_objects(db: Database, types: Sequence[str]) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(object type, id, attributes, state) of every shown object of ``types``."""
    q = select(mv.c.object_type, mv.c.id, mv.c.attrs, mv.c.state).where(
        mv.c.object_type.in_(types), mv.c.state.in_(SHOWN)
    )
    opened = vault.current().unseal_text
    with db.begin() as conn:
        for object_type, mv_id, attrs, state in conn.execute(q):
            yield object_type, mv_id, loads(opened(attrs)), state


def membership_pairs(db: Database) -> list[tuple[str, str]]:
    """(person id, group id) of every shown membership."""
    q = select(mv.c.person_id, mv.c.group_id).where(mv.c.object_type == "membership", mv.c.state.in_(SHOWN))
    with db.begin() as conn:
        return [(p, g) for p, g in conn.execute(q) if p and g]


def memberships_of(
    db: Database, by: Literal["person", "group"], ids: Iterable[str]
) -> list[tuple[str, dict[str, Any], str]]:
    """Shown memberships of these persons (or groups): (the other side's id, attributes, state)."""
    ids = list(ids)
    if not ids:
        return []
    column, other = (mv.c.person_id, mv.c.group_id) if by == "person" else (mv.c.group_id, mv.c.person_id)
    q = select(other, mv.c.attrs, mv.c.state).where(
        mv.c.object_type == "membership", column.in_(ids), mv.c.state.in_(SHOWN)
    )
    opened = vault.current().unseal_text
    with db.begin() as conn:
        return [(ref, loads(opened(attrs)), state) for ref, attrs, state in conn.execute(q) if ref]


def fingerprint(db: Database, types: Sequence[str]) -> tuple[Any, ...]:
    """The newest run and, per type, the newest run that changed one: what says a snapshot is stale.

    Index lookups only, so it can be asked every few seconds.
    """
    runs = tables.runs
    with db.begin() as conn:
        last = conn.execute(select(runs.c.id, runs.c.status).order_by(runs.c.id.desc()).limit(1)).first()
        newest = [
            conn.execute(select(func.max(mv.c.changed_run)).where(mv.c.object_type == name)).scalar() for name in types
        ]
    return (tuple(last) if last else None, *newest)
