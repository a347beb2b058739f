"""``TARGET:revert``: undo what an earlier run sent to one target, through the gate and the export.

The run's options say which run (``revert``), whether objects changed again since are skipped
(``only_untouched``; otherwise any such object refuses the whole target, naming each), the hash
a person approved (``expect``) and whether the objects are held afterwards (``hold``). The undo is
stored as this run's change set, judged by the target's thresholds, and sent by the ordinary
exporter, so it resumes like any export. The metaverse is not touched: the source is still the
truth, so every object put back is either held (no plan touches it until released) or marked for
the next plan to take up again, which would redo the run's change unless the source changed.
"""

from __future__ import annotations

from sqlalchemy import Connection

from edusync.engine.calendar import local_day
from edusync.engine.gate import judge
from edusync.errors import FatalError, GateBlocked, HashMismatch, RevertRefused
from edusync.model.hashing import loads
from edusync.pipeline.context import RunContext, TargetResult
from edusync.pipeline.exporting import store as exporting
from edusync.pipeline.exporting.step import Exporter
from edusync.pipeline.gate import store as gate_store
from edusync.pipeline.planning.store import target_counts
from edusync.pipeline.reverting import store
from edusync.pipeline.reverting.plan import RevertPlan, plan_revert, store_plan
from edusync.pipeline.step import StepResult
from edusync.storage.audit import audit

MAX_LISTED = 50


class RevertStep:
    def __init__(self, name: str, target: str) -> None:
        self.name, self.target = name, target

    def run(self, ctx: RunContext) -> StepResult:
        target, opts = self.target, ctx.options
        reverted = int(opts["revert"])
        with ctx.db.begin() as conn:
            latest = exporting.latest_change_set(conn, ctx.run_id, target)
        if latest is not None and latest[1] == "done":
            return StepResult("skipped", "already reverted")
        if latest is not None and latest[1] in ("approved", "exporting", "partial"):
            cs_id = latest[0]
            ctx.targets[target] = TargetResult("exporting", cs_id, loads(latest[3]), None, loads(latest[2]))
        else:
            with ctx.db.begin() as conn:
                plan = plan_revert(ctx.db, conn, reverted, target)
                self._refusals(ctx, plan, bool(opts.get("only_untouched")))
                expect = opts.get("expect")
                if expect and not plan.hash.startswith(str(expect)):
                    raise HashMismatch(ctx.run_id, str(expect), plan.hash[:12])
                cs_id = store_plan(ctx.db, conn, plan, ctx.run_id, ctx.stamp)
                before = target_counts(conn, target)
            self._gate(ctx, plan, cs_id, before)
        result = Exporter(ctx, target, cs_id).run()
        ctx.report.add("export", target, "failed", int(result["failed"]))
        with ctx.db.begin() as conn:
            self._hold(ctx, conn, cs_id, reverted, bool(opts.get("hold")))
            done = ctx.targets[target]
            done.status, done.after = str(result["status"]), target_counts(conn, target)
        return StepResult()

    def _refusals(self, ctx: RunContext, plan: RevertPlan, only_untouched: bool) -> None:
        refused = plan.refusals()
        if refused and not only_untouched:
            raise RevertRefused(self.target, plan.reverted_run, refused)
        subject = f"{self.target}/revert"
        ctx.report.set("revert", subject, "undone", len(plan.undo))
        ctx.report.set("revert", subject, "skipped", len(refused))
        for r in refused[:MAX_LISTED]:
            ctx.report.warnings.append(f"{self.target}: {r['object_type']} {r['key']} not reverted: {r['reason']}")

    def _gate(self, ctx: RunContext, plan: RevertPlan, cs_id: int, before: dict[str, int]) -> None:
        """The target's thresholds, as for any change set: a breach blocks for ``edusync approve``."""
        target, tcfg = self.target, ctx.config.targets.get(self.target)
        if tcfg is None:
            raise FatalError(f"{target} is no longer a target in the configuration", target=target)
        counts = plan.counts
        for object_type, ops in counts.items():
            ctx.report.set("plan", f"{target}/{object_type}", "before", before.get(object_type, 0))
            for op, n in ops.items():
                ctx.report.set("plan", f"{target}/{object_type}", op, n)
        ctx.targets[target] = TargetResult("planned", cs_id, before, None, counts)
        day = local_day(ctx.now, ctx.config.timezone)
        verdict = judge(target, tcfg, day, counts, before, {}, None)
        blocked = bool(verdict.reasons) and plan.hash not in ctx.approved
        with ctx.db.begin() as conn:
            gate_store.set_status(conn, cs_id, "blocked" if blocked else "exporting")
        if blocked:
            ctx.targets[target].status, ctx.targets[target].reasons = "blocked", verdict.reasons
            detail = {"target": target, "change_set_id": cs_id}
            raise GateBlocked("threshold", verdict.reasons, plan.hash, detail)

    def _hold(self, ctx: RunContext, conn: Connection, cs_id: int, reverted: int, hold: bool) -> None:
        """Every object put back: held, or released at once (the next plan takes it up again)."""
        rows = store.put_back(ctx.db, conn, cs_id)
        released = None if hold else ctx.stamp
        by = None if hold else ctx.actor
        holds = [(self.target, ot, k, m, reverted, ctx.stamp, ctx.actor, released, by) for ot, k, m in rows]
        store.add_holds(ctx.db, conn, holds)
        if hold and holds:
            audit(
                conn, ctx.actor, "hold", ctx.run_id, cs_id, target=self.target, reverted_run=reverted, held=len(holds)
            )
            ctx.report.set("revert", f"{self.target}/revert", "held", len(holds))
