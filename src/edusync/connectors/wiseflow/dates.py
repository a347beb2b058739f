"""FS dates (ISO 8601 text) → WISEflow dates (unix seconds).

FS sends times with their Europe/Oslo offset and deadlines (sensurfrist, klagefrist) as bare
dates; a bare date means the end of that day in Oslo, since a deadline lasts the whole day.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from edusync.errors import SkippableError

OSLO = ZoneInfo("Europe/Oslo")


def to_unix(value: str | None, *, what: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value)
    try:
        if "T" not in text:
            day = dt.date.fromisoformat(text)
            return int(dt.datetime.combine(day, dt.time(23, 59, 59), OSLO).timestamp())
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise SkippableError(f"{what}: {text!r} is not an ISO 8601 date") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OSLO)
    return int(moment.timestamp())
