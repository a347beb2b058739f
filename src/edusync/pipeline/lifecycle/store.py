"""The lifecycle's reads: objects due to move on, and memberships that follow their owners."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, or_, select

from edusync.model.records import MvObject, State
from edusync.storage import Database, tables
from edusync.storage.metaverse import CHUNK, LOAD_COLUMNS, MV_COLUMNS, row_to_mv

mv = tables.mv_objects
# SQLite's planner, offered (object_type, changed_run) and the partial (object_type, state) index,
# takes the first and reads every membership of a county; INDEXED BY keeps it on the few inactive ones.
DUE = (
    f"SELECT {LOAD_COLUMNS} FROM {{table}} WHERE object_type = ? AND state != 'active' "
    "AND ((state = 'grace' AND state_since <= ?) OR (state = 'disabled' AND state_since <= ?))"
)
DISABLED_MEMBERSHIPS = (
    f"SELECT {LOAD_COLUMNS}, person_id, group_id "
    "FROM {table} WHERE object_type = 'membership' AND state != 'active' AND state = 'disabled'"
)
LIVE = (State.ACTIVE.value, State.GRACE.value)


def _inactive(db: Database) -> str:
    return "mv_objects INDEXED BY ix_mv_state" if db.is_sqlite else "mv_objects"


def object_types(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(select(mv.c.object_type).distinct())]


def due(db: Database, conn: Connection, object_type: str, grace_before: str, trash_before: str) -> list[MvObject]:
    """Objects in grace since before ``grace_before``, or in the trash since before ``trash_before``."""
    rows = db.fetch(conn, DUE.format(table=_inactive(db)), (object_type, grace_before, trash_before))
    return [row_to_mv(r) for r in rows]


def forget_keys(conn: Connection, mv_id: str) -> None:
    """A purged object's join keys go with it."""
    conn.execute(tables.mv_keys.delete().where(tables.mv_keys.c.mv_id == mv_id))


def changed_owners(conn: Connection, run_id: int) -> list[tuple[str, str]]:
    """(id, state) of the persons and groups this run changed."""
    q = select(mv.c.id, mv.c.state).where(mv.c.changed_run == run_id, mv.c.object_type.in_(["person", "group"]))
    return [(str(i), str(s)) for i, s in conn.execute(q)]


def live_memberships_of(conn: Connection, owners: Sequence[str]) -> list[MvObject]:
    """Active or grace memberships whose person or group is among ``owners``."""
    found: list[MvObject] = []
    for i in range(0, len(owners), CHUNK):
        part = owners[i : i + CHUNK]
        q = select(*MV_COLUMNS).where(
            mv.c.object_type == "membership",
            mv.c.state.in_(LIVE),
            or_(mv.c.person_id.in_(part), mv.c.group_id.in_(part)),
        )
        found += [row_to_mv(row) for row in conn.execute(q)]
    return found


def disabled_memberships_of(db: Database, conn: Connection, owners: Collection[str]) -> list[MvObject]:
    """Disabled memberships whose person or group is among ``owners`` (read through the few disabled ones)."""
    rows = db.fetch(conn, DISABLED_MEMBERSHIPS.format(table=_inactive(db)), ())
    return [row_to_mv(row) for row in rows if row[-2] in owners or row[-1] in owners]


def all_live(conn: Connection, ids: Sequence[str]) -> bool:
    """Whether every one of ``ids`` exists and is active or in grace."""
    states = [s for (s,) in conn.execute(select(mv.c.state).where(mv.c.id.in_(ids)))]
    return len(states) == len(ids) and all(s in LIVE for s in states)
