"""General-purpose rule functions, usable from any profile."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from edusync.model import fnr
from edusync.rules.registry import RuleContext, rule

_SPACES = re.compile(r"\s+")


@rule("strip")
def strip(value: Any) -> Any:
    """Trim surrounding white space and fold inner runs of it; empty becomes None."""
    if value is None:
        return None
    text = _SPACES.sub(" ", str(value)).strip()
    return text or None


@rule("lower")
def lower(value: Any) -> Any:
    return None if value is None else str(value).strip().lower()


@rule("join_space")
def join_space(*values: Any) -> str | None:
    """Join the non-empty values with one space (e.g. a display name from first and last name)."""
    parts = [str(v).strip() for v in values if v not in (None, "")]
    return " ".join(p for p in parts if p) or None


@rule("first")
def first(*values: Any) -> Any:
    """The first value that is not empty."""
    return next((v for v in values if v not in (None, "", [])), None)


@rule("valid_fnr")
def valid_fnr(value: Any) -> bool:
    """True when the value is a fødselsnummer or D-nummer with valid check digits."""
    return fnr.is_valid(None if value is None else str(value))


@rule("fnr_or_none", refuses=True)
def fnr_or_none(value: Any) -> str | None:
    """The number when valid, otherwise None, so an invalid number never reaches a target."""
    return str(value) if fnr.is_valid(None if value is None else str(value)) else None


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@rule("active_period", needs_context=True)
def active_period(ctx: RuleContext, start: Any, end: Any = None) -> bool:
    """True when today lies within [start, end]; a missing start or end is open."""
    begin, finish = _date(start), _date(end)
    if begin and begin > ctx.today:
        return False
    return not (finish and finish < ctx.today)


@rule("split_list")
def split_list(value: Any) -> list[str]:
    """A semicolon-separated string (as CSV carries lists) becomes a list; lists pass through."""
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(";") if part.strip()]
