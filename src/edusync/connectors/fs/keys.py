"""FS's unique exam key: institusjonsnr, emnekode, versjonskode, vurderingsordning and ``tid``.

WISEflow's FS client asks for exactly these parts, and takes year and term from ``tid``, which FS
writes as ``YYYY TTT`` (``2025 HØST``). The canonical text form, used as the ``exam`` anchor, the
WISEflow external source reference and the grade export's exam id, is
``institusjonsnr|emnekode|versjonskode|vurderingsordning|YYYY TTT``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from edusync.errors import FatalError

TERMS = ("VÅR", "HØST")
_TID = re.compile(r"^(\d{4})\s+(\S+)$")


class ExamKeyError(FatalError, ValueError):
    """A text that is not an exam key or a term; the message says which part and which form was expected."""


def parse_tid(tid: str) -> tuple[int, str]:
    """``'2025 HØST'`` → ``(2025, 'HØST')``; anything else is an :class:`ExamKeyError` naming the value."""
    match = _TID.match(" ".join(str(tid).split()))
    if match is None:
        raise ExamKeyError(f"term {tid!r} is not of the form 'YYYY TTT' (e.g. '2025 HØST')")
    year, term = int(match.group(1)), match.group(2).upper()
    if term not in TERMS:
        raise ExamKeyError(f"term {tid!r}: {match.group(2)!r} is not a term FS knows ({', '.join(TERMS)})")
    return year, term


@dataclass(frozen=True, slots=True)
class ExamKey:
    institusjonsnr: int
    emnekode: str
    versjonskode: str
    vurderingsordning: str
    year: int
    term: str

    @property
    def tid(self) -> str:
        return f"{self.year} {self.term}"

    @property
    def id(self) -> str:
        parts = (str(self.institusjonsnr), self.emnekode, self.versjonskode, self.vurderingsordning, self.tid)
        return "|".join(parts)

    @property
    def path(self) -> str:
        """The key as one URL path segment (FS's composite keys travel percent-encoded)."""
        return quote(self.id, safe="")

    @classmethod
    def parse(cls, text: str) -> ExamKey:
        """Read ``institusjonsnr|emnekode|versjonskode|vurderingsordning|YYYY TTT``."""
        parts = [p.strip() for p in str(text).split("|")]
        if len(parts) != 5 or not all(parts):
            raise ExamKeyError(
                f"exam key {text!r}: expected institusjonsnr|emnekode|versjonskode|vurderingsordning|YYYY TTT "
                "(e.g. 9001|INF1000|1|SKR|2025 HØST)"
            )
        inst, emne, versjon, ordning, tid = parts
        if not inst.isdigit():
            raise ExamKeyError(f"exam key {text!r}: institusjonsnr {inst!r} is not a number")
        year, term = parse_tid(tid)
        return cls(int(inst), emne.upper(), versjon, ordning.upper(), year, term)
