"""The lifecycle step: move objects on by the clock, and let memberships follow their person and group."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, or_, select

from edusync.engine.lifecycle import cutoff, next_state, purge
from edusync.model.records import MvObject, State
from edusync.services.context import RunContext
from edusync.services.mvstore import CHUNK, MV_COLUMNS, row_to_mv, save_changed
from edusync.storage import tables as t

# SQLite's planner, offered (object_type, changed_run) and the partial (object_type, state) index,
# takes the first and reads every membership of a county; INDEXED BY keeps it on the few inactive ones.
DUE = (
    "SELECT id, object_type, attrs, lineage, sources, state, state_since, changed_run, hash FROM {table} "
    "WHERE object_type = ? AND state != 'active' "
    "AND ((state = 'grace' AND state_since <= ?) OR (state = 'disabled' AND state_since <= ?))"
)
DISABLED_MEMBERSHIPS = (
    "SELECT id, object_type, attrs, lineage, sources, state, state_since, changed_run, hash, person_id, group_id "
    "FROM {table} WHERE object_type = 'membership' AND state != 'active' AND state = 'disabled'"
)


def _inactive(ctx: RunContext) -> str:
    return "mv_objects INDEXED BY ix_mv_state" if ctx.db.is_sqlite else "mv_objects"


def lifecycle_step(ctx: RunContext) -> None:
    with ctx.db.begin() as conn:
        types = [r[0] for r in conn.execute(select(t.mv_objects.c.object_type).distinct())]
        for object_type in types:
            _age(ctx, conn, object_type)
        _cascade(ctx, conn)


def _save(ctx: RunContext, conn: Connection, objects: list[MvObject]) -> None:
    save_changed(ctx.db, conn, objects, ctx.run_id)


def _age(ctx: RunContext, conn: Connection, object_type: str) -> None:
    policy = ctx.config.lifecycle_for(object_type)
    limits = (object_type, cutoff(ctx.now, policy.grace_days), cutoff(ctx.now, policy.retention_days))
    rows = ctx.db.fetch(conn, DUE.format(table=_inactive(ctx)), limits)
    moved = []
    for row in rows:
        obj = row_to_mv(row)
        since = dt.datetime.fromisoformat(obj.state_since or ctx.stamp)
        new = next_state(obj.state, since, ctx.now, policy)
        if new is None:
            continue
        if new == State.PURGED:
            purge(obj)
            conn.execute(t.mv_keys.delete().where(t.mv_keys.c.mv_id == obj.id))
        obj.state = new
        obj.state_since = ctx.stamp
        ctx.report.add("lifecycle", object_type, f"to_{new.value}")
        moved.append(obj)
    _save(ctx, conn, moved)


def _cascade(ctx: RunContext, conn: Connection) -> None:
    """Memberships of a person or group that left are disabled; they come back with it."""
    mv = t.mv_objects
    changed = conn.execute(
        select(mv.c.id, mv.c.state).where(mv.c.changed_run == ctx.run_id, mv.c.object_type.in_(["person", "group"]))
    ).all()
    gone = [i for i, s in changed if s in (State.DISABLED.value, State.PURGED.value)]
    back = {i for i, s in changed if s in (State.ACTIVE.value, State.GRACE.value)}
    _disable_with_owners(ctx, conn, gone)
    if back:
        _restore_with_owners(ctx, conn, back)


def _disable_with_owners(ctx: RunContext, conn: Connection, owners: list[str]) -> None:
    mv = t.mv_objects
    moved: list[MvObject] = []
    for i in range(0, len(owners), CHUNK):
        part = owners[i : i + CHUNK]
        q = select(*MV_COLUMNS).where(
            mv.c.object_type == "membership",
            mv.c.state.in_([State.ACTIVE.value, State.GRACE.value]),
            or_(mv.c.person_id.in_(part), mv.c.group_id.in_(part)),
        )
        moved += [row_to_mv(row) for row in conn.execute(q)]
    _move(ctx, conn, moved, State.DISABLED, "disabled_with_owner")


def _restore_with_owners(ctx: RunContext, conn: Connection, back: set[str]) -> None:
    """Read the (few) disabled memberships, not the memberships of every owner that changed."""
    moved = []
    for row in ctx.db.fetch(conn, DISABLED_MEMBERSHIPS.format(table=_inactive(ctx)), ()):
        if row[-2] in back or row[-1] in back:
            obj = row_to_mv(row)
            if obj.sources and _owners_live(conn, obj):
                moved.append(obj)
    _move(ctx, conn, moved, State.ACTIVE, "restored_with_owner")


def _move(ctx: RunContext, conn: Connection, objects: list[MvObject], to: State, what: str) -> None:
    for obj in objects:
        obj.state = to
        obj.state_since = ctx.stamp
    ctx.report.add("lifecycle", "membership", what, len(objects))
    _save(ctx, conn, objects)


def _owners_live(conn: Connection, obj: MvObject) -> bool:
    ids = [x for x in (obj.attrs.get("person"), obj.attrs.get("group")) if isinstance(x, str)]
    mv = t.mv_objects
    states = [s for (s,) in conn.execute(select(mv.c.state).where(mv.c.id.in_(ids)))]
    return len(states) == len(ids) and all(s in (State.ACTIVE.value, State.GRACE.value) for s in states)
