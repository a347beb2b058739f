"""Norwegian national identity numbers (fødselsnummer and D-nummer).

A fødselsnummer is the most sensitive value edusync holds, so this module is the
only place that looks inside one, and the one place that masks it: :func:`mask` (a
number), :func:`mask_text` (any text), :func:`mask_values` (attributes), :func:`redact`
(any JSON-shaped value) and :func:`quoted` (a value quoted in a message, capped in length).
The edges apply them: error rendering, CLI output and ``--json``, report JSON, mails,
the logging filter, the groups API's errors.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
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


def is_valid_value(value: object) -> bool:
    """True for an attribute value that is a valid number, or a list holding one."""
    if isinstance(value, list):
        return any(is_valid_value(v) for v in value)
    return (
        isinstance(value, str | int) and not isinstance(value, bool) and len(str(value)) == 11 and is_valid(str(value))
    )


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


#: Attribute names that hold a national id on some side (a source's, the metaverse's, a target's).
NATIONAL_ID_NAMES = (
    "fnr",
    "nin",
    "fodselsnummer",
    "fødselsnummer",
    "nationalId",
    "personNIN",
    "norEduPersonNIN",
    "nationalIdentityNumber",
)


def mask_ids(text: str) -> str:
    """``text`` with every valid fødselsnummer (or D-number) in it masked, other digits left as they are.

    For the edges (a command's output, an error printed, a log line): a hash or a count that happens
    to hold eleven digits in a row stays readable, a number that is somebody's does not.
    """
    return _ELEVEN_DIGITS.sub(lambda m: mask(m.group()) if is_valid(m.group()) else m.group(), text)


def redact(value: object) -> object:
    """``value`` (JSON-shaped) fit to show: national ids masked in every string, whole under their names."""
    if isinstance(value, str):
        return mask_ids(value)
    if isinstance(value, dict):
        return {
            k: (_masked_whole(v) if k in NATIONAL_ID_NAMES else redact(v))
            for k, v in ((mask_ids(k) if isinstance(k, str) else k, v) for k, v in value.items())
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and is_valid(str(value)):
        return mask(str(value))
    return value


def _masked_whole(value: object) -> object:
    if isinstance(value, list):
        return [_masked_whole(v) for v in value]
    if isinstance(value, dict):
        return redact(value)  # about the attribute (its lineage), not its value
    if value in (None, "") or (isinstance(value, str) and value.endswith("*")):
        return value  # nothing, or masked already
    return mask(str(value))


class MaskingFilter(logging.Filter):
    """A logging filter that masks every eleven-digit run in a record's message and its arguments.

    The arguments keep their shape (uvicorn's access formatter unpacks them), only strings are masked.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask_text(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


QUOTE_LIMIT = 80


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``value`` as a message quotes it: masked, and cut to ``limit`` characters saying how long it was.

    What a caller sent (a 100 kB id) goes back in an error no longer than the error itself needs.
    """
    text = mask_text(str(value))
    if len(text) > limit:
        return repr(text[:limit]) + f"… ({len(text)} characters)"
    return repr(text)
