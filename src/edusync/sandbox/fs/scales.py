"""Grade scales (karakterskala) and how the FS sandbox reads a submitted grade against one.

The values WISEflow's FS client sends are A–F, Bestått/Ikke bestått, Godkjent/Ikke godkjent and
1.0–10.0, plus two administrative grades, A (Avbrutt) and I (Ikke møtt), that are valid on every
scale. On the A–F scale a bare ``A`` is ambiguous; this module settles it one documented way
(the letter grade wins) and lets the sender say otherwise with ``administrativ: true`` or by
spelling the grade ``Avbrutt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Scale(StrEnum):
    """The ``karakterskala`` codes the sandbox uses (its own codes; FS's karakterregel numbers differ)."""

    BOKSTAV = "A-F"
    BESTATT = "BESTÅTT"
    GODKJENT = "GODKJENT"
    TALL = "1.0-10.0"


SCALE_TITLES: dict[Scale, str] = {
    Scale.BOKSTAV: "Bokstavkarakter A–F",
    Scale.BESTATT: "Bestått / Ikke bestått",
    Scale.GODKJENT: "Godkjent / Ikke godkjent",
    Scale.TALL: "Tallkarakter 1.0–10.0",
}

# Canonical grade for every accepted spelling (upper-cased). The short forms are conveniences.
_WORDS: dict[Scale, dict[str, str]] = {
    Scale.BOKSTAV: {g: g for g in "ABCDEF"},
    Scale.BESTATT: {
        "BESTÅTT": "Bestått",
        "B": "Bestått",
        "IKKE BESTÅTT": "Ikke bestått",
        "IB": "Ikke bestått",
    },
    Scale.GODKJENT: {
        "GODKJENT": "Godkjent",
        "G": "Godkjent",
        "IKKE GODKJENT": "Ikke godkjent",
        "IG": "Ikke godkjent",
    },
}

ADMINISTRATIVE: dict[str, str] = {"A": "Avbrutt", "I": "Ikke møtt"}
_ADMIN_WORDS = {"A": "A", "AVBRUTT": "A", "I": "I", "IKKE MØTT": "I", "IKKE MOTT": "I"}

_NUMBER = re.compile(r"^(?:10(?:\.0)?|[1-9](?:\.\d)?)$")


class GradeError(ValueError):
    """A grade FS would not take on this scale."""


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade as stored: the canonical value and whether it is an administrative one."""

    value: str
    administrative: bool

    @property
    def label(self) -> str:
        return ADMINISTRATIVE[self.value] if self.administrative else self.value


def scale_grades(scale: Scale) -> list[str]:
    """The canonical grades of ``scale`` (the numeric scale as its end points)."""
    if scale is Scale.TALL:
        return ["1.0", "10.0"]
    return list(dict.fromkeys(_WORDS[scale].values()))


def _on_scale(scale: Scale, text: str) -> str | None:
    if scale is Scale.TALL:
        return f"{float(text):.1f}" if _NUMBER.match(text) else None
    return _WORDS[scale].get(text.upper())


def interpret(scale: Scale, karakter: str, administrativ: bool | None = None) -> Grade:
    """Read ``karakter`` on ``scale``; raise :class:`GradeError` if FS would reject it.

    ``administrativ`` True: only A (Avbrutt) or I (Ikke møtt). False: only a grade of the scale.
    None (not said): a grade of the scale if it is one, else an administrative grade. So a bare
    ``A`` is the letter grade on A–F and Avbrutt on every other scale.
    """
    text = " ".join(karakter.split())
    if not text:
        raise GradeError("the grade is empty")
    admin = _ADMIN_WORDS.get(text.upper())
    if administrativ is True:
        if admin is None:
            raise GradeError(f"{text!r} is not an administrative grade (A = Avbrutt, I = Ikke møtt)")
        return Grade(admin, True)
    on_scale = _on_scale(scale, text)
    if on_scale is not None:
        return Grade(on_scale, False)
    if administrativ is None and admin is not None:
        return Grade(admin, True)
    allowed = ", ".join(scale_grades(scale)) if scale is not Scale.TALL else "1.0 to 10.0"
    raise GradeError(f"{text!r} is not on the scale {scale.value} ({allowed})")
