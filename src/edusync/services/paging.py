"""Cursor pagination for the console's lists: a page of rows, and an opaque cursor to the next.

A cursor names the last row a page ended on (keyset pagination), so a page costs the same at
row 10 as at row 100 000, and rows added meanwhile neither repeat nor go missing.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from edusync.errors import FatalError

MAX_LIMIT = 500


class BadQuery(FatalError):
    """A list was asked for with a cursor, limit or filter that cannot be read (the API answers 400)."""


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor, **self.extra}


def encode(value: int | str) -> str:
    return base64.urlsafe_b64encode(f"{type(value).__name__[0]}:{value}".encode()).decode().rstrip("=")


def decode_int(cursor: str | None) -> int | None:
    raw = _raw(cursor)
    if raw is None:
        return None
    kind, _, value = raw.partition(":")
    if kind != "i" or not value.isdigit() or len(value) > 12:
        raise BadQuery(f"cursor {cursor!r} is not one this list gave")
    return int(value)


def decode_str(cursor: str | None) -> str | None:
    raw = _raw(cursor)
    if raw is None:
        return None
    kind, _, value = raw.partition(":")
    if kind != "s":
        raise BadQuery(f"cursor {cursor!r} is not one this list gave")
    return value


def _raw(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise BadQuery(f"cursor {cursor!r} is not one this list gave") from None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be 1 to {MAX_LIMIT} (given {limit})")
    return limit


def check_offset(offset: int) -> int:
    if offset < 0:
        raise BadQuery(f"offset must be 0 or more (given {offset})")
    return offset


def page_of(rows: Sequence[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """The first ``limit`` of ``rows`` (fetched with one more) and the cursor after them, if more follow."""
    if len(rows) > limit:
        kept = list(rows[:limit])
        return kept, encode(key(kept[-1]))
    return list(rows), None
