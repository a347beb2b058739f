"""Forecasts for the edges: one day, or a calendar of nights, as plain dicts (JSON, the console, the API).

The evaluation is :mod:`edusync.pipeline.forecast`; this module picks the clock and shapes the answer.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from edusync.config.loader import LoadedConfig
from edusync.engine.forecast import as_dict, night_dict, nights
from edusync.pipeline.forecast.evaluate import calendar, forecast
from edusync.services.paging import BadQuery
from edusync.storage import Database

#: The run's hour (UTC) a forecast of a day assumes: when the nightly run starts.
RUN_AT = dt.time(2, 0)
#: A calendar longer than this is refused (each evaluated night costs a plan of every target).
MAX_DAYS = 120
#: The calendar a page shows unless told otherwise: the coming four weeks.
DEFAULT_DAYS = 28
#: Days a forecast may name: a school's horizon, not the calendar's end (whose arithmetic would overflow).
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def default_range(first: dt.date | None, last: dt.date | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """From tomorrow (or ``first``) to four weeks after it (or ``last``)."""
    start = first or (today or dt.datetime.now(dt.UTC).date()) + dt.timedelta(days=1)
    return start, last or _within(start) + dt.timedelta(days=DEFAULT_DAYS)


def _within(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise BadQuery(f"{day} is outside the days a forecast looks at ({EARLIEST} to {LATEST})")
    return day


def clock_of(day: dt.date, at: dt.time = RUN_AT) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=dt.UTC)


def forecast_day(
    loaded: LoadedConfig,
    db: Database,
    day: dt.date,
    *,
    targets: list[str] | None = None,
    now: dt.datetime | None = None,
    actor: str = "edusync",
) -> dict[str, Any]:
    """What a run on ``day`` would change (no run before it); ``now`` overrides the hour."""
    _within(day)
    unknown = [t for t in targets or [] if t not in loaded.config.targets]
    if unknown:
        raise BadQuery(f"no target {unknown[0]!r}; the targets are: {', '.join(loaded.config.targets)}")
    return as_dict(forecast(loaded, db, now or clock_of(day), targets=targets or None, actor=actor))


def calendar_nights(
    loaded: LoadedConfig, db: Database, first: dt.date, last: dt.date, *, actor: str = "edusync"
) -> dict[str, Any]:
    """Each night from ``first`` to ``last`` on which something changes, what its run brings."""
    _within(first), _within(last)
    if last < first:
        raise BadQuery(f"the calendar ends ({last}) before it starts ({first})")
    if (last - first).days > MAX_DAYS:
        raise BadQuery(f"a calendar covers at most {MAX_DAYS} days; {first} to {last} is {(last - first).days}")
    began = time.perf_counter()
    found = calendar(loaded, db, first, last, at=RUN_AT, actor=actor)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "evaluated": len(found),
        "seconds": round(time.perf_counter() - began, 2),
        "nights": [night_dict(n) for n in nights(found) if n.changes or n.blocked or n.leaving],
    }
