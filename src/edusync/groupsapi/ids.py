"""Feide group ids and timestamps: building them, and reading the ids clients send.

Ids are ``:``-separated fields, each percent-encoded as Feide encodes GO local
ids (``427383/saf0010`` → ``427383%2Fsaf0010``), so an id never holds a ``/``
and a field never holds a ``:``. In a URL path the whole id is percent-encoded
once more; :func:`candidates` also accepts an id whose fields were sent
unencoded, so ``ÅRS-INF`` finds ``%C3%85RS-INF``.

Feide times are UTC instants. A date in the metaverse is a local date
(Europe/Oslo): a membership that starts on 2024-07-31 starts at local midnight,
``2024-07-30T22:00:00Z``; one that ends on 2025-07-30 ends when that day ends,
``2025-07-30T22:00:00Z``.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from edusync.model.feide_go import encode

FS_PREFIX = "fc:fs:fs:"


def org_id(realm: str) -> str:
    return f"fc:org:{realm.lower()}"


def unit_id(realm: str, unit: str) -> str:
    return f"{org_id(realm)}:unit:{encode(unit)}"


def fs_id(kind: str, realm: str, *fields: str) -> str:
    """``fc:fs:fs:<kind>:<realm>:<field>…`` (``fc:fs:fs:str:example.org:KS``)."""
    return FS_PREFIX + ":".join([kind, realm.lower(), *(encode(f) for f in fields)])


def candidates(groupid: str) -> list[str]:
    """The id as sent, then with each field encoded as edusync encodes it (if that differs)."""
    fixed = ":".join(quote(unquote(part), safe="") for part in groupid.split(":"))
    return [groupid] if fixed == groupid else [groupid, fixed]


def parse_instant(value: object, zone: ZoneInfo, *, end: bool = False) -> dt.datetime | None:
    """A date (local, whole day) or an ISO time as an aware UTC time; ``end`` means the day's end."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            if end:
                day += dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(dt.UTC)


def feide_time(moment: dt.datetime | None) -> str | None:
    """``2024-07-30T22:00:00Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def within(now: dt.datetime, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """True when ``now`` lies in ``[start, end)`` (an open side is no limit)."""
    return (start is None or start <= now) and (end is None or now < end)
