"""``NAME:export``: one target through the last three stages: plan → gate → export.

On a resume the step picks up this run's change set where it stopped: one that is approved
or was being exported is sent on (only what is left), one that is done is not touched, and
anything else is planned afresh (which supersedes what an earlier attempt planned).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from edusync.model.hashing import loads
from edusync.pipeline.context import RunContext, TargetResult
from edusync.pipeline.exporting import store
from edusync.pipeline.exporting.step import Exporter
from edusync.pipeline.gate.gate import gate
from edusync.pipeline.planning.planner import plan_digest
from edusync.pipeline.planning.step import plan_step
from edusync.pipeline.planning.store import target_counts
from edusync.pipeline.step import StepResult


class TargetStep:
    def __init__(self, name: str, target: str) -> None:
        self.name, self.target = name, target

    def run(self, ctx: RunContext) -> StepResult:
        target = self.target
        with ctx.db.begin() as conn:
            latest = store.latest_change_set(conn, ctx.run_id, target)
        if latest is not None and latest[1] == "done":
            # Sent by an attempt that died before it recorded the target's state: record it now.
            with ctx.db.begin() as conn:
                store.exported(ctx.db, conn, target, ctx.run_id, plan_digest(ctx, target))
            return StepResult("skipped", "already exported")
        if latest is not None and latest[1] in ("approved", "exporting", "partial"):
            cs_id = latest[0]
            ctx.targets[target] = TargetResult("exporting", cs_id, loads(latest[3]), None, loads(latest[2]))
        else:
            plan = plan_step(ctx, target)
            if plan is None:
                status = ctx.targets[target].status
                return StepResult("skipped", "paused" if status == "paused" else "dry run")
            gate(ctx, target, plan)
            cs_id = plan.change_set_id
        result = Exporter(ctx, target, cs_id).run()
        ctx.report.add("export", target, "failed", int(result["failed"]))
        if result["status"] in ("done", "partial"):
            with ctx.db.begin() as conn:
                store.exported(ctx.db, conn, target, ctx.run_id, plan_digest(ctx, target))
                _settle(ctx, conn, target)
                done = ctx.targets[target]
                done.status, done.after = str(result["status"]), target_counts(conn, target)
        return StepResult()


def _settle(ctx: RunContext, conn: Connection, target: str) -> None:
    """After an export: released holds are done with, prior values past ``revert.retention_days`` cleared."""
    cutoff = ctx.now - dt.timedelta(days=ctx.config.revert.retention_days)
    window = cutoff - dt.timedelta(days=31)
    store.after_export(ctx.db, conn, target, cutoff.isoformat(timespec="seconds"), window.isoformat(timespec="seconds"))
