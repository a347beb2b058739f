"""Plan one target: read it back, plan its change set, put the plan in the report.

The change set is stored as ``planned``, or as ``preview`` in a dry run or a pause window (then
nothing is sent, and the plan is what a person reads). A target that reconciles is read back
before the plan's transaction opens (:mod:`.reconcile`), so no transaction waits on the target.
"""

from __future__ import annotations

from edusync import faults
from edusync.engine.calendar import local_day, pause_on
from edusync.engine.diff import key_counts
from edusync.pipeline.context import RunContext, TargetResult
from edusync.pipeline.planning.planner import PlanResult, plan_target
from edusync.pipeline.planning.reconcile import Reconciled, describe, find_drift


def plan_step(ctx: RunContext, target: str) -> PlanResult | None:
    """Store the target's change set; return it when it is to be gated and sent (not a preview)."""
    tcfg = ctx.config.targets[target]
    pause = pause_on(tcfg, local_day(ctx.now, ctx.config.timezone))
    drift = find_drift(ctx, target)
    preview = not ctx.mode.sends or pause is not None
    with ctx.db.begin() as conn:
        plan = plan_target(ctx, conn, target, "preview" if preview else "planned", drift)
    faults.reach("plan.committed")
    record_plan(ctx, target, plan)
    result = ctx.targets[target] = TargetResult("planned", plan.change_set_id, plan.before, None, plan.counts)
    warnings, result.notes = _decisions(target, plan)
    ctx.report.warnings += warnings
    if pause is not None:
        result.status = "paused"
        waiting = f"; {plan.total} changes wait for the end of the pause" if plan.total else ""
        result.notes.insert(0, f"Paused: {pause.describe()}. Nothing was sent{waiting}.")
        ctx.report.warnings.append(f"{target}: {pause.describe()}: nothing was sent{waiting}")
        ctx.report.set("export", target, "paused", 1)
    return None if preview else plan


def record_plan(ctx: RunContext, target: str, plan: PlanResult) -> None:
    """The plan in the run report: counts per operation, the keys that move, decisions that sent nothing."""
    for object_type in sorted(set(plan.counts) | set(plan.before)):
        subject = f"{target}/{object_type}"
        ctx.report.set("plan", subject, "before", plan.before.get(object_type, 0))
        for op, n in plan.counts.get(object_type, {}).items():
            ctx.report.set("plan", subject, op, n)
    for object_type, row in key_counts(plan.counts).items():
        for kind, n in row.items():
            ctx.report.set("keys", f"{target}/{object_type}", kind, n)
    for object_type, notes in plan.notes.items():
        for what, n in notes.items():
            ctx.report.set("decisions", f"{target}/{object_type}", what, n)
    for object_type, n in plan.held.items():
        ctx.report.set("holds", f"{target}/{object_type}", "held", n)
    # Its own section: the plan section's numbers are ops, which the run list adds up as changes.
    for object_type, checked in plan.checked.items():
        subject, put_back = f"{target}/{object_type}", plan.reconciled.get(object_type, Reconciled())
        ctx.report.set("reconcile", subject, "checked", checked)
        ctx.report.set("reconcile", subject, "changed", put_back.changed)
        ctx.report.set("reconcile", subject, "missing", put_back.missing)
        ctx.report.set("reconcile", subject, "reconciled", put_back.total)


def _decisions(target: str, plan: PlanResult) -> tuple[list[str], list[str]]:
    """Sentences for what was put back and for decisions that sent nothing: warnings and notes for the mail.

    What was put back is a warning, as someone changes the target by hand; the mail lists it once.
    """
    warnings, notes = describe(target, plan.reconciled), list[str]()
    for object_type, held in sorted(plan.held.items()):
        line = (
            f"{target}: {held} {object_type} objects are held by a revert; nothing is planned for them (edusync holds)"
        )
        warnings.append(line)
        notes.append(line)
    for object_type, counted in sorted(plan.notes.items()):
        if n := counted.get("stays_archived"):
            line = (
                f"{target}: {n} {object_type}s reappeared but stay archived "
                "(the target does not restore an archived one by itself)"
            )
            warnings.append(line)
            notes.append(line)
        if n := counted.get("released"):
            notes.append(f"{target}: {n} {object_type}s of archived groups were released (kept as manual members)")
    return warnings, notes
