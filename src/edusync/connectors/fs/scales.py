"""Check a grade against an exam's scale before it goes to FS.

The grades WISEflow's FS client sends: A–F, Bestått/Ikke bestått, Godkjent/Ikke godkjent and
1.0–10.0, plus the administrative grades A (Avbrutt) and I (Ikke møtt), valid on every scale. A
WISEflow *adminGrade* is always administrative, so an ``A`` there is Avbrutt even on the A–F scale
(and is sent with ``administrativ: true`` so FS cannot read it as the top grade).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORDS: dict[str, dict[str, str]] = {
    "A-F": {g: g for g in "ABCDEF"},
    "BESTÅTT": {"BESTÅTT": "Bestått", "IKKE BESTÅTT": "Ikke bestått"},
    "GODKJENT": {"GODKJENT": "Godkjent", "IKKE GODKJENT": "Ikke godkjent"},
}
_ADMIN = {"A": "A", "AVBRUTT": "A", "I": "I", "IKKE MØTT": "I", "IKKE MOTT": "I"}
_NUMBER = re.compile(r"^(?:10(?:[.,]0)?|[1-9](?:[.,]\d)?)$")
SCALES = (*_WORDS, "1.0-10.0")


class GradeInvalid(ValueError):
    """Not a grade FS takes on this scale; ``reason`` is FS's own word for it."""

    reason = "grade_not_on_scale"


@dataclass(frozen=True, slots=True)
class CheckedGrade:
    value: str  # what is sent as ``karakter``
    administrative: bool


def check(scale: str, grade: str | None, admin_grade: str | None) -> CheckedGrade:
    """The grade to send, or :class:`GradeInvalid` naming the scale and what it allows."""
    if admin_grade not in (None, ""):
        admin = _ADMIN.get(" ".join(str(admin_grade).split()).upper())
        if admin is None:
            raise GradeInvalid(f"{admin_grade!r} is not an administrative grade (A = Avbrutt, I = Ikke møtt)")
        return CheckedGrade(admin, True)
    text = " ".join(str(grade or "").split())
    if not text:
        raise GradeInvalid("no grade")
    code = scale.upper()
    if code == "1.0-10.0":
        if _NUMBER.match(text):
            return CheckedGrade(f"{float(text.replace(',', '.')):.1f}", False)
    elif code in _WORDS:
        word = _WORDS[code].get(text.upper())
        if word is not None:
            return CheckedGrade(word, False)
    else:
        raise GradeInvalid(f"the exam's scale {scale!r} is not one edusync knows ({', '.join(SCALES)})")
    if text.upper() in ("I", "IKKE MØTT", "IKKE MOTT", "AVBRUTT") or (text.upper() == "A" and code != "A-F"):
        return CheckedGrade(_ADMIN[text.upper()], True)
    allowed = "1.0 to 10.0" if code == "1.0-10.0" else ", ".join(dict.fromkeys(_WORDS[code].values()))
    raise GradeInvalid(f"{text!r} is not on the scale {scale} ({allowed}, or A = Avbrutt, I = Ikke møtt)")
