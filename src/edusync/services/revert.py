"""Undo a run at its targets (``edusync revert``), and the holds that keep it undone (``edusync holds``).

Planning a revert reads only (:func:`preview`): what each target would get, the objects refused and
the hash a person approves. The revert itself is a run of ``TARGET:revert`` steps
(:mod:`edusync.pipeline.reverting`), so it goes through the gate and the ordinary export and
resumes like any run. See docs/revert.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from edusync.config.loader import LoadedConfig
from edusync.errors import NotFound, RevertRefused
from edusync.pipeline.context import Progress, _no_progress
from edusync.pipeline.reverting import store
from edusync.pipeline.reverting.plan import plan_revert
from edusync.pipeline.run import Runner, RunOutcome
from edusync.storage import Database, tables
from edusync.storage.audit import audit, utcnow

__all__ = ["list_holds", "preview", "release", "revert"]


def _targets(db: Database, run_id: int, target: str | None) -> list[str]:
    with db.begin() as conn:
        found = store.run_targets(db, conn, run_id)
    if not found:
        raise NotFound(f"run {run_id} exported nothing, so there is nothing to revert", run_id=run_id)
    if target is not None:
        if target not in found:
            raise NotFound(f"run {run_id} exported nothing to {target} (it exported to {', '.join(found)})",
                           run_id=run_id, target=target)  # fmt: skip
        return [target]
    return found


def preview(db: Database, run_id: int, target: str | None = None) -> list[dict[str, Any]]:
    """Per target: the changes a revert would send (counts), the objects refused, and the hash. Stores nothing."""
    out = []
    for name in _targets(db, run_id, target):
        with db.begin() as conn:
            plan = plan_revert(db, conn, run_id, name)
        undo = [
            {"object_type": u.done.object_type, "key": u.done.key, "op": u.planned.op.value, "undoes": u.done.op}
            for u in plan.undo
            if u.planned is not None
        ]
        out.append({"target": name, "hash": plan.hash, "counts": plan.counts, "changes": undo,
                    "refused": plan.refusals()})  # fmt: skip
    return out


def revert(
    loaded: LoadedConfig,
    db: Database,
    run_id: int,
    *,
    target: str | None = None,
    only_untouched: bool = False,
    hold: bool = False,
    expect: str | None = None,
    actor: str = "edusync",
    now: dt.datetime | None = None,
    progress: Progress = _no_progress,
) -> RunOutcome:
    """Start the run that reverts ``run_id`` at ``target`` (every target it exported to when None).

    Refused before any run starts (nothing stored) when an object was changed again since and
    ``only_untouched`` is not given; the step checks again, as a later run may come in between.
    """
    names = _targets(db, run_id, target)
    if not only_untouched:
        for name in names:
            with db.begin() as conn:
                refused = plan_revert(db, conn, run_id, name).refusals()
            if refused:
                raise RevertRefused(name, run_id, refused)
    steps = [f"{name}:revert" for name in names]
    options: dict[str, Any] = {"revert": run_id, "only_untouched": only_untouched, "hold": hold}
    if expect:
        options["expect"] = expect
    return Runner(loaded, db, progress=progress).start_steps("revert", steps, options, now=now, actor=actor)


def list_holds(db: Database, *, released: bool = False) -> list[dict[str, Any]]:
    """The objects held (no change is planned for them), oldest first; ``released``: those released too."""
    h = tables.holds
    q = select(h).order_by(h.c.held_at, h.c.target, h.c.object_type, h.c.key)
    if not released:
        q = q.where(h.c.released_at.is_(None))
    with db.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def release(db: Database, actor: str, key: str | None = None, *, every: bool = False) -> int:
    """Release one held key (a target key or a metaverse id), or every hold; the next plan takes them up.

    Each release is one audit entry naming the keys (or how many, for ``every``).
    """
    h = tables.holds
    held = h.c.released_at.is_(None)
    where = held if every else held & ((h.c.key == key) | (h.c.mv_id == key))
    with db.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(h).where(where))]
        if not rows:
            raise NotFound("nothing is held" if every else f"nothing is held under {key}")
        stamp = utcnow().isoformat(timespec="seconds")
        conn.execute(update(h).where(where).values(released_at=stamp, released_by=actor))
        shown = [f"{r['target']}/{r['object_type']}/{r['key']}" for r in rows[:50]]
        audit(conn, actor, "release", None, None, released=len(rows), holds=shown)
    return len(rows)
