"""Runs, as the edges see them: start, resume, approve and reject; the run history and one run's report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from edusync.config.loader import LoadedConfig
from edusync.errors import NotFound
from edusync.model.fnr import redact
from edusync.model.hashing import loads
from edusync.pipeline.context import Progress, RunMode, _no_progress
from edusync.pipeline.gate import approvals
from edusync.pipeline.run import Runner, RunOutcome
from edusync.services.paging import BadQuery
from edusync.storage import Database, tables

#: The shortest part of the reviewed hash an approval may name.
MIN_EXPECT = approvals.MIN_EXPECT

__all__ = [
    "MIN_EXPECT",
    "STATUSES",
    "RunMode",
    "RunOutcome",
    "approve",
    "blocked",
    "get_run",
    "list_runs",
    "reject",
    "resume",
    "start",
]


def start(
    loaded: LoadedConfig,
    db: Database,
    profile: str | None = None,
    *,
    mode: RunMode = RunMode.REAL,
    now: dt.datetime | None = None,
    actor: str = "edusync",
    progress: Progress = _no_progress,
    full: bool = False,
) -> RunOutcome:
    """Run a profile (the default one when ``profile`` is None); ``full`` reads every source in full."""
    return Runner(loaded, db, progress=progress).start(profile, mode=mode, now=now, actor=actor, full=full)


def resume(
    loaded: LoadedConfig, db: Database, run_id: int, *, actor: str = "edusync", progress: Progress = _no_progress
) -> RunOutcome:
    """Finish a run from the step where it stopped."""
    return Runner(loaded, db, progress=progress).resume(run_id, actor=actor)


def blocked(db: Database, run_id: int) -> dict[str, Any]:
    """A blocked run's block: why, the hash to approve, what it would let through."""
    return approvals.blocked(db, run_id)


def approve(db: Database, run_id: int, actor: str, expect: str | None, reason: str = "") -> dict[str, Any]:
    """Record an approval bound to the reviewed hash (whole, or 12 characters at least); then resume the run."""
    return approvals.approve(db, run_id, actor, expect, reason)


def reject(db: Database, run_id: int, actor: str, reason: str = "") -> dict[str, Any]:
    """Discard a blocked run's change set; nothing of it is sent."""
    return approvals.reject(db, run_id, actor, reason)


def _run_dict(row: Any) -> dict[str, Any]:
    """A run as people read it: any national id in its report masked (they are masked when written, too)."""
    return {
        "id": row.id,
        "profile": row.profile,
        "status": row.status,
        "dry_run": bool(row.dry_run),
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "clock": row.clock,
        "steps": loads(row.steps),
        "counts": loads(row.counts),
        "errors": loads(row.errors),
        "warnings": loads(row.warnings),
        "recovered": loads(row.recovered),
        "options": loads(row.options),
        "block": redact(loads(row.block)) if row.block else None,
    } | {name: redact(loads(getattr(row, name))) for name in ("errors", "warnings", "recovered")}


#: The states a run is in: ``blocked`` waits for a person's decision (approve or reject).
STATUSES = ("running", "done", "partial", "failed", "blocked", "rejected", "paused", "interrupted")


def list_runs(db: Database, limit: int = 50, *, status: str | None = None) -> list[dict[str, Any]]:
    """The newest runs (of one ``status`` when given), newest first."""
    if status is not None and status not in STATUSES:
        raise BadQuery(f"status {status!r} is none of {', '.join(STATUSES)}")
    q = select(tables.runs).order_by(tables.runs.c.id.desc()).limit(limit)
    if status is not None:
        q = q.where(tables.runs.c.status == status)
    with db.begin() as conn:
        rows = conn.execute(q).all()
    return [_run_dict(r) for r in rows]


def get_run(db: Database, run_id: int) -> dict[str, Any]:
    with db.begin() as conn:
        row = conn.execute(select(tables.runs).where(tables.runs.c.id == run_id)).first()
        if row is None:
            raise NotFound(f"there is no run {run_id}")
        out = _run_dict(row)
        cst = tables.change_sets
        out["change_sets"] = [
            {
                "id": c.id,
                "target": c.target,
                "hash": c.hash,
                "status": c.status,
                "counts": loads(c.counts),
                "before": loads(c.base_counts),
                "decided_by": c.decided_by,
                "decided_at": c.decided_at,
            }
            for c in conn.execute(select(cst).where(cst.c.run_id == run_id).order_by(cst.c.id))
        ]
        au = tables.audit_log
        out["audit"] = [
            {"at": a.at, "actor": a.actor, "action": a.action, "detail": loads(a.detail)}
            for a in conn.execute(select(au).where(au.c.run_id == run_id).order_by(au.c.id))
        ]
    return out
