"""The safety filter of one target: which thresholds apply tonight, what they say, and what follows.

Outside the rollover window the target's ``thresholds`` judge every planned change.
Inside it, the changes the new school year makes by itself (``PlanResult.rolled``) are
not counted and ``rollover.thresholds`` (when given) replace the target's own, so the
expected new year passes while a broken night, whose objects vanish for real, is still
stopped. A breach either blocks the run for approval (``on_breach: block``) or fails it
with nothing sent (``on_breach: fail``, itslearning's behaviour).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edusync.engine.safety import breaches
from edusync.errors import FatalError
from edusync.services.calendar import first_day, in_window, local_day
from edusync.services.changeset import Counts
from edusync.services.context import RunContext
from edusync.services.planning import PlanResult


class SafetyFilterStopped(FatalError):
    """A target's safety filter failed the run (``on_breach: fail``); nothing was sent to it."""

    def __init__(self, target: str, reasons: list[str]) -> None:
        self.target = target
        self.reasons = reasons
        super().__init__(f"the safety filter stopped the import to {target}; nothing was sent: " + "; ".join(reasons))


@dataclass
class Verdict:
    reasons: list[str]
    in_window: bool = False
    exempt: Counts = field(default_factory=dict)


def judge(ctx: RunContext, target: str, plan: PlanResult) -> Verdict:
    """The thresholds of tonight applied to ``plan``; notes the rollover in the run report."""
    tcfg = ctx.config.targets[target]
    rollover = tcfg.rollover
    thresholds, exempt, window = tcfg.thresholds, None, False
    if rollover is not None:
        day = local_day(ctx.now, ctx.config.timezone)
        window = in_window(rollover, day)
        if window:
            exempt = plan.rolled
            thresholds = rollover.thresholds if rollover.thresholds is not None else thresholds
        rolled = sum(sum(ops.values()) for ops in plan.rolled.values())
        if rolled and plan.year is not None:
            for object_type, ops in plan.rolled.items():
                for op, n in ops.items():
                    ctx.report.set("rollover", f"{target}/{object_type}", op, n)
            if not window:
                start = first_day(rollover, plan.year.start)
                ctx.report.warnings.append(
                    f"{target}: school year {plan.year.name} is rolled over outside its window "
                    f"({start.isoformat()} and {rollover.window_days} days on), so its {rolled} changes "
                    "count against the thresholds"
                )
    reasons = breaches(plan.counts, plan.before, thresholds, target, exempt)
    return Verdict(reasons, window, dict(exempt or {}))
