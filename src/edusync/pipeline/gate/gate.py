"""The gate of one target's change set: nothing is sent until the thresholds pass or a person approved.

The judgement is :func:`edusync.engine.gate.judge`; what a breach does is the target's
``on_breach``: ``block`` (the default) stores the block and the run waits for ``edusync approve``
(bound to the change set's hash) or ``reject``; ``fail`` fails the run with nothing sent
(itslearning's own filter). A change set whose hash a person approved passes.
"""

from __future__ import annotations

from edusync import faults
from edusync.engine.calendar import local_day
from edusync.engine.gate import judge
from edusync.errors import GateBlocked, SafetyFilterStopped
from edusync.pipeline.context import RunContext
from edusync.pipeline.gate import store
from edusync.pipeline.planning.planner import PlanResult


def gate(ctx: RunContext, target: str, plan: PlanResult) -> None:
    """Let ``plan`` through (its change set becomes ``exporting``), or raise after storing why not."""
    tcfg = ctx.config.targets[target]
    day = local_day(ctx.now, ctx.config.timezone)
    verdict = judge(target, tcfg, day, plan.counts, plan.before, plan.rolled, plan.year)
    for object_type, ops in verdict.rolled.items():
        for op, n in ops.items():
            ctx.report.set("rollover", f"{target}/{object_type}", op, n)
    ctx.report.warnings += verdict.warnings
    result = ctx.targets[target]
    stop: Exception | None = None
    if verdict.reasons and plan.hash not in ctx.approved:
        result.reasons = verdict.reasons
        if tcfg.on_breach == "fail":
            result.status = "failed"
            stop = SafetyFilterStopped(target, verdict.reasons)
        else:
            result.status = "blocked"
            detail = {"target": target, "change_set_id": plan.change_set_id}
            stop = GateBlocked("threshold", verdict.reasons, plan.hash, detail)
    with ctx.db.begin() as conn:
        store.set_status(conn, plan.change_set_id, result.status if stop is not None else "exporting")
    if stop is not None:  # raised after the commit, so the plan and its verdict are kept
        raise stop
    faults.reach("gate.committed")
