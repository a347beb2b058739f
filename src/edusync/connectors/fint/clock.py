"""FINT's time: every timestamp is UTC; the school day it falls on is decided in Norway.

A period that starts ``2025-08-17T22:00:00Z`` starts at midnight in Oslo on 18 August, so
the first ten characters of the string name the wrong day for half of every year's dates.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


@functools.lru_cache(maxsize=65_536)  # a county's periods share a few hundred distinct values
def oslo_day(value: str) -> str:
    """The day in Oslo (``YYYY-MM-DD``) of a FINT timestamp; a bare date is taken as it is.

    A timestamp without an offset is read as UTC, which is what FINT sends.
    """
    text = value.strip()
    if len(text) == 10:
        return dt.date.fromisoformat(text).isoformat()
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return dt.date.fromisoformat(text[:10]).isoformat()  # a malformed time part: the date is what is left
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(OSLO).date().isoformat()


def today_in_oslo(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Norway, from ``now`` (the run's clock) or the system clock."""
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(OSLO).date()
