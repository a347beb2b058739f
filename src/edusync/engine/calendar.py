"""The school calendar a target keeps: pause windows, the school year, and the rollover window.

Pure functions of a day. A run's clock is UTC; a school judges "summer" and "1 August"
on the local date, so :func:`local_day` turns the one into the other first.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from edusync.config.models import PauseWindow, Rollover, TargetConfig, parse_day


def local_time(now: dt.datetime, timezone: str) -> dt.datetime:
    """``now`` in ``timezone`` (a naive ``now`` is taken as UTC)."""
    aware = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return aware.astimezone(zoneinfo.ZoneInfo(timezone))


def local_day(now: dt.datetime, timezone: str) -> dt.date:
    """The date at ``now`` in ``timezone``."""
    return local_time(now, timezone).date()


def _on(year: int, month: int, day: int) -> dt.date:
    """That day, or 28 February for a yearly 29 February outside a leap year."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return dt.date(year, month, day - 1)


def window_days(window: PauseWindow, day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the occurrence of ``window`` that contains ``day``, if any."""
    (y1, m1, d1), (y2, m2, d2) = parse_day(window.from_), parse_day(window.to)
    if y1 is not None and y2 is not None:
        first, last = dt.date(y1, m1, d1), dt.date(y2, m2, d2)
        return (first, last) if first <= day <= last else None
    wraps = (m2, d2) < (m1, d1)  # e.g. 12-20 to 01-05
    for start_year in (day.year - 1, day.year):
        first = _on(start_year, m1, d1)
        last = _on(start_year + 1 if wraps else start_year, m2, d2)
        if first <= day <= last:
            return first, last
    return None


@dataclass(frozen=True)
class Pause:
    """The pause window a day falls in."""

    first: dt.date
    last: dt.date
    reason: str

    def describe(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return f"paused{why} from {self.first.isoformat()} to {self.last.isoformat()}"


def pause_on(target: TargetConfig, day: dt.date) -> Pause | None:
    """The first of the target's pause windows that contains ``day``."""
    for window in target.pause:
        span = window_days(window, day)
        if span is not None:
            return Pause(span[0], span[1], window.reason)
    return None


@dataclass(frozen=True, order=True)
class SchoolYear:
    """The school year that starts in ``start`` (2026: 2026/2027)."""

    start: int

    @property
    def label(self) -> str:
        """The form keys carry: ``2026-27``."""
        return f"{self.start}-{(self.start + 1) % 100:02d}"

    @property
    def name(self) -> str:
        """The form people read: ``2026/2027``."""
        return f"{self.start}/{self.start + 1}"

    def previous(self) -> SchoolYear:
        return SchoolYear(self.start - 1)


def first_day(rollover: Rollover, year: int) -> dt.date:
    _, month, day = parse_day(rollover.starts)
    return _on(year, month, day)


def school_year(rollover: Rollover, day: dt.date) -> SchoolYear:
    """The school year ``day`` belongs to: it turns on ``rollover.starts``."""
    return SchoolYear(day.year if day >= first_day(rollover, day.year) else day.year - 1)


def in_window(rollover: Rollover, day: dt.date) -> bool:
    """Whether ``day`` is within ``window_days`` of the first day of its school year."""
    first = first_day(rollover, school_year(rollover, day).start)
    return (day - first).days < rollover.window_days
