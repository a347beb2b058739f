"""The lifecycle step: move objects on by the clock, and let memberships follow their person and group.

An object whose sources are gone moves active → grace → disabled (the trash) → purged as its
type's policy says (:mod:`edusync.engine.lifecycle` decides; this step reads and writes). A
membership of a person or group that left the metaverse is disabled with it and comes back
with it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from edusync import faults
from edusync.engine.lifecycle import cutoff, next_state, purge
from edusync.model.records import MvObject, State
from edusync.pipeline.context import RunContext
from edusync.pipeline.lifecycle import store
from edusync.pipeline.step import StepResult
from edusync.storage.metaverse import save_changed


class LifecycleStep:
    """``lifecycle``: every metaverse type, by its lifecycle policy."""

    def __init__(self, name: str = "lifecycle") -> None:
        self.name = name

    def run(self, ctx: RunContext) -> StepResult:
        with ctx.db.begin() as conn:
            for object_type in store.object_types(conn):
                _age(ctx, conn, object_type)
            _cascade(ctx, conn)
        faults.reach("lifecycle.committed")
        return StepResult()


def _age(ctx: RunContext, conn: Connection, object_type: str) -> None:
    policy = ctx.config.lifecycle_for(object_type)
    grace, trash = cutoff(ctx.now, policy.grace_days), cutoff(ctx.now, policy.retention_days)
    moved = []
    for obj in store.due(ctx.db, conn, object_type, grace, trash):
        since = dt.datetime.fromisoformat(obj.state_since or ctx.stamp)
        new = next_state(obj.state, since, ctx.now, policy)
        if new is None:
            continue
        if new == State.PURGED:
            purge(obj)
            store.forget_keys(conn, obj.id)
        obj.state = new
        obj.state_since = ctx.stamp
        ctx.report.add("lifecycle", object_type, f"to_{new.value}")
        moved.append(obj)
    save_changed(ctx.db, conn, moved, ctx.run_id)


def _cascade(ctx: RunContext, conn: Connection) -> None:
    """Memberships of a person or group that left are disabled; they come back with it."""
    changed = store.changed_owners(conn, ctx.run_id)
    gone = [i for i, s in changed if s in (State.DISABLED.value, State.PURGED.value)]
    back = {i for i, s in changed if s in store.LIVE}
    _move(ctx, conn, store.live_memberships_of(conn, gone), State.DISABLED, "disabled_with_owner")
    if back:
        returning = [
            obj
            for obj in store.disabled_memberships_of(ctx.db, conn, back)
            if obj.sources and store.all_live(conn, _owners(obj))
        ]
        _move(ctx, conn, returning, State.ACTIVE, "restored_with_owner")


def _owners(obj: MvObject) -> list[str]:
    return [x for x in (obj.attrs.get("person"), obj.attrs.get("group")) if isinstance(x, str)]


def _move(ctx: RunContext, conn: Connection, objects: list[MvObject], to: State, what: str) -> None:
    for obj in objects:
        obj.state = to
        obj.state_since = ctx.stamp
    ctx.report.add("lifecycle", "membership", what, len(objects))
    save_changed(ctx.db, conn, objects, ctx.run_id)
