"""A profile's starts, and the one that is due now: pure functions of its schedule and a clock.

The scheduler asks one question at each tick: "is a start due that has not been made?" The
answer depends only on the schedule, the time zone, now, and when the profile last ran (on
the run's own clock, so a replay with ``--now`` and the real night agree). A start is made
when it falls after the profile's last run ended and not later than now; of several such starts
(the machine was down for three nights) only the newest is made, so a missed night runs once.
A start that passed while a run of the profile was still going falls before that run's end,
so it is not made afterwards either: one run at a time, and no second run straight after.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from cronsim import CronSim

from edusync.config.schedules import Schedule
from edusync.engine.calendar import window_days

#: How late a tick may come and still make a start on time: a tick every five minutes makes
#: every start, and a start older than this counts as missed (made only with ``catch_up``).
TICK_TOLERANCE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Start:
    """One scheduled start of a profile."""

    at: dt.datetime
    """When, in UTC."""
    local: dt.datetime
    """The same moment in the config's time zone, as people read it."""
    skipped: str | None = None
    """Why this start is not made (one of the schedule's ``skip`` windows), or None."""


def starts(schedule: Schedule, timezone: str, after: dt.datetime, until: dt.datetime) -> list[Start]:
    """Every start in (``after``, ``until``], oldest first; starts of several expressions at one moment count once."""
    zone = zoneinfo.ZoneInfo(timezone)
    begin = _aware(after).astimezone(zone)
    end = _aware(until)
    moments: set[dt.datetime] = set()
    for expression in schedule.cron:
        for moment in CronSim(expression, begin):
            if moment > end:
                break
            moments.add(moment.astimezone(dt.UTC))
    return [_start(schedule, m, zone) for m in sorted(moments)]


def due(
    schedule: Schedule,
    timezone: str,
    last_ended: dt.datetime | None,
    now: dt.datetime,
    tolerance: dt.timedelta = TICK_TOLERANCE,
) -> Start | None:
    """The start to make at ``now``, if any.

    ``last_ended`` is when the profile's latest run ended on its own clock (None: it never ran,
    and only a start within ``tolerance`` of now is made, so a new deployment does not start
    at once for a night that passed before it was installed). Without ``catch_up``, a start older
    than ``tolerance`` is missed for good.
    """
    now = _aware(now)
    oldest = now - tolerance
    if last_ended is None:
        since = oldest
    elif schedule.catch_up:
        since = _aware(last_ended)
    else:
        since = max(_aware(last_ended), oldest)
    # A missed start is at most a year old: looking further back finds nothing a person would want run.
    since = max(since, now - dt.timedelta(days=366))
    made = [s for s in starts(schedule, timezone, since, now) if s.skipped is None]
    return made[-1] if made else None


def _start(schedule: Schedule, moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> Start:
    local = moment.astimezone(zone)
    for window in schedule.skip:
        span = window_days(window, local.date())
        if span is not None:
            why = f" ({window.reason})" if window.reason else ""
            return Start(moment, local, f"skipped{why}: {span[0].isoformat()} to {span[1].isoformat()}")
    return Start(moment, local)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
