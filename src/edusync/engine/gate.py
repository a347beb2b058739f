"""The safety filter's judgement of one change set: which thresholds apply tonight, and what they say.

Outside the rollover window the target's ``thresholds`` judge every planned change. Inside it,
the changes the new school year makes by itself (``rolled``) are not counted and
``rollover.thresholds`` (when given) replace the target's own, so the expected new year passes
while a broken night, whose objects vanish for real, is still stopped. Pure: the caller
(``pipeline/gate``) decides what a breach does (block for approval, or fail).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from edusync.config.models import TargetConfig
from edusync.engine.calendar import SchoolYear, first_day, in_window
from edusync.engine.safety import breaches

Counts = Mapping[str, Mapping[str, int]]


@dataclass
class Verdict:
    """What the thresholds say about one change set."""

    reasons: list[str]
    in_window: bool = False
    #: The rolled changes the thresholds did not count.
    exempt: dict[str, dict[str, int]] = field(default_factory=dict)
    #: The school-year rollover's changes, for the report (empty when there is none).
    rolled: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def judge(
    target: str,
    tcfg: TargetConfig,
    day: dt.date,
    counts: Counts,
    before: Mapping[str, int],
    rolled: Counts,
    year: SchoolYear | None,
) -> Verdict:
    """The thresholds of ``day`` (a local date) applied to a change set's ``counts``."""
    rollover = tcfg.rollover
    thresholds, exempt, window = tcfg.thresholds, None, False
    verdict = Verdict([])
    if rollover is not None:
        window = in_window(rollover, day)
        if window:
            exempt = rolled
            thresholds = rollover.thresholds if rollover.thresholds is not None else thresholds
        total = sum(sum(ops.values()) for ops in rolled.values())
        if total and year is not None:
            verdict.rolled = {ot: dict(ops) for ot, ops in rolled.items()}
            if not window:
                start = first_day(rollover, year.start)
                verdict.warnings.append(
                    f"{target}: school year {year.name} is rolled over outside its window "
                    f"({start.isoformat()} and {rollover.window_days} days on), so its {total} changes "
                    "count against the thresholds"
                )
    verdict.reasons = breaches(counts, before, thresholds, target, exempt)
    verdict.in_window = window
    verdict.exempt = {ot: dict(ops) for ot, ops in (exempt or {}).items()}
    return verdict
