"""An export step up to the gate: read the target back, plan the change set, report it, and judge it.

What comes out is the id of a change set to export now, or None (a dry run, a pause), or an
exception raised after the plan is committed: :class:`StepBlocked` waits for an approval,
:class:`~edusync.services.gate.SafetyFilterStopped` fails the run. Either way nothing is sent.
A target that reconciles is read back before the plan's transaction opens (reconcile.py).
"""

from __future__ import annotations

from sqlalchemy import update

from edusync.services import gate
from edusync.services.blocking import StepBlocked
from edusync.services.calendar import local_day, pause_on
from edusync.services.context import RunContext
from edusync.services.keys import key_counts
from edusync.services.notify import TargetResult
from edusync.services.planning import PlanResult, plan_target
from edusync.services.reconcile import Reconciled, describe, find_drift
from edusync.storage import tables as t


def plan_for_export(ctx: RunContext, target: str, approved: set[str], results: dict[str, TargetResult]) -> int | None:
    """Plan and gate ``target``; record what happened in ``results`` for the status mail."""
    cst, tcfg = t.change_sets, ctx.config.targets[target]
    pause = pause_on(tcfg, local_day(ctx.now, ctx.config.timezone))
    stop: Exception | None = None
    drift = find_drift(ctx, target)
    with ctx.db.begin() as conn:
        plan = plan_target(ctx, conn, target, "preview" if ctx.dry_run or pause else "planned", drift)
        record_plan(ctx, target, plan)
        result = results[target] = TargetResult("planned", plan.change_set_id, plan.before, None, plan.counts)
        warnings, result.notes = _decisions(target, plan)
        ctx.report.warnings += warnings
        if pause is not None:
            result.status = "paused"
            waiting = f"; {plan.total} changes wait for the end of the pause" if plan.total else ""
            result.notes.insert(0, f"Paused: {pause.describe()}. Nothing was sent{waiting}.")
            ctx.report.warnings.append(f"{target}: {pause.describe()}: nothing was sent{waiting}")
            ctx.report.set("export", target, "paused", 1)
        if ctx.dry_run or pause is not None:
            return None
        verdict = gate.judge(ctx, target, plan)
        if verdict.reasons and plan.hash not in approved:
            result.reasons = verdict.reasons
            if tcfg.on_breach == "fail":
                result.status = "failed"
                stop = gate.SafetyFilterStopped(target, verdict.reasons)
            else:
                result.status = "blocked"
                detail = {"target": target, "change_set_id": plan.change_set_id}
                stop = StepBlocked("threshold", verdict.reasons, plan.hash, detail)
        status = result.status if stop is not None else "exporting"
        conn.execute(update(cst).where(cst.c.id == plan.change_set_id).values(status=status))
    if stop is not None:  # raised after the commit, so the plan and its verdict are kept
        raise stop
    return plan.change_set_id


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
