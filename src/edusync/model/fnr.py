"""Norwegian national identity numbers (fødselsnummer and D-nummer).

A fødselsnummer is the most sensitive value edusync holds, so this module is the
only place that looks inside one. Everything else masks it before it can reach a
log, a report or an error message.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re

from stdnum.exceptions import ValidationError
from stdnum.no import fodselsnummer as _stdnum

_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


class InvalidFnr(ValueError):
    """A value that is not a valid fødselsnummer; the message never holds the value."""


def mask(value: str | None) -> str:
    """Show only the birth date part: ``010203*****``. Non-numbers are masked whole."""
    if not value:
        return ""
    value = str(value).strip()
    if len(value) == 11 and value.isdigit():
        return value[:6] + "*****"
    return "*" * min(len(value), 11)


def is_valid(value: str | None) -> bool:
    """True for an 11-digit number with both check digits right and a birth date not in the future."""
    if not value:
        return False
    return _is_valid(str(value))


@functools.lru_cache(maxsize=4096)  # several rules check the same person's number one after another
def _is_valid(value: str) -> bool:
    return bool(_stdnum.is_valid(value))


def validate(value: str | None) -> str:
    """Return the compact number or raise :class:`InvalidFnr` with a masked message."""
    if not value:
        raise InvalidFnr("fødselsnummer is empty")
    try:
        return str(_stdnum.validate(str(value)))
    except ValidationError as exc:
        raise InvalidFnr(f"invalid fødselsnummer {mask(str(value))}: {exc}") from None


def birth_date(value: str) -> dt.date:
    """Birth date encoded in a valid number (D-numbers included)."""
    born: dt.date = _stdnum.get_birth_date(validate(value))
    return born


def generate(born: dt.date, rng: random.Random, *, female: bool | None = None) -> str:
    """Make a valid synthetic fødselsnummer for ``born`` (for sandboxes and tests).

    The individual number range follows the century rules, so stdnum reads the
    birth date back correctly.
    """
    if 1900 <= born.year <= 1999:
        low, high = 0, 499
    elif 2000 <= born.year <= 2039:
        low, high = 500, 999
    else:
        raise ValueError("synthetic numbers cover birth years 1900-2039")
    while True:
        individual = rng.randint(low, high)
        if female is not None and (individual % 2 == 0) != female:
            individual += 1 if individual < high else -1
        base = f"{born:%d%m%y}{individual:03d}"
        k1 = _stdnum.calc_check_digit1(base)
        if k1 == "10":
            continue
        k2 = _stdnum.calc_check_digit2(base + k1)
        if k2 == "10":
            continue
        return base + k1 + k2


def mask_values(attrs: dict[str, object]) -> dict[str, object]:
    """A copy of ``attrs`` fit to show a person: every valid fødselsnummer masked, lists too."""

    def one(value: object) -> object:
        if isinstance(value, str) and len(value) == 11 and value.isdigit() and is_valid(value):
            return mask(value)
        if isinstance(value, list):
            return [one(v) for v in value]
        return value

    return {k: one(v) for k, v in attrs.items()}


def mask_text(text: str) -> str:
    """``text`` with every run of exactly eleven digits masked (valid number or not: a text cannot tell)."""
    return _ELEVEN_DIGITS.sub(lambda m: mask(m.group()), text)
