"""Grades sent back to FS: check each row the way FS would, keep the ones it takes.

A grade export is judged row by row: one unknown candidate must not sink the whole batch, and
the sender must learn, per row, why a row was refused, so the answer is index-aligned with the
request and names a machine-readable ``reason``. Reasons:

- ``invalid_row``: the row is not an object with the fields below
- ``duplicate_kandidat``: the same kandidatnr came earlier in this request
- ``unknown_kandidat``: no candidate with that kandidatnr on this exam
- ``grade_not_on_scale``: not a grade of the exam's scale, nor A (Avbrutt) / I (Ikke møtt)
- ``missing_assessor``: a grade of the scale needs at least one assessor
- ``assessor_not_registered``: an assessor who is not on one of the exam's commissions
- ``invalid_manager``: the manager's Feide username is missing or not ``user@realm``
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from edusync.sandbox.fs.model import Exam
from edusync.sandbox.fs.scales import Grade, GradeError, interpret

_FEIDE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ResultRow(BaseModel):
    """One grade as sent: candidate, grade, the assessors who set it and the manager who exported it."""

    model_config = ConfigDict(extra="ignore")

    kandidatnr: str
    karakter: str
    administrativ: bool | None = None
    sensorer: list[int] = []
    saksbehandler: str = ""

    @field_validator("kandidatnr", "karakter", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: Any) -> Any:
        # kandidatnr and numeric grades are often sent as JSON numbers; FS keys them as text.
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


@dataclass(frozen=True, slots=True)
class StoredResult:
    kandidatnr: str
    grade: Grade
    sensorer: tuple[int, ...]
    saksbehandler: str
    registrert: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "kandidatnr": self.kandidatnr,
            "karakter": self.grade.value,
            "resultatType": "ADMINISTRATIV" if self.grade.administrative else "KARAKTER",
            "karakterTekst": self.grade.label,
            "sensorer": list(self.sensorer),
            "saksbehandler": self.saksbehandler,
            "registrert": self.registrert.isoformat(),
        }


class RowRejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ResultStore:
    """Accepted results per exam id; a later row for the same candidate replaces the earlier one."""

    def __init__(self) -> None:
        self._by_exam: dict[str, dict[str, StoredResult]] = {}

    def results(self, exam_id: str) -> list[StoredResult]:
        return sorted(self._by_exam.get(exam_id, {}).values(), key=lambda r: r.kandidatnr)

    def submit(self, exam: Exam, rows: list[Any]) -> list[dict[str, Any]]:
        """Check and store ``rows``; return one outcome per row, in order."""
        candidates = {k.kandidatnr for k in exam.kandidater()}
        registered = exam.sensor_ids()
        seen: set[str] = set()
        stored = self._by_exam.setdefault(exam.key.id, {})
        outcomes: list[dict[str, Any]] = []
        for index, raw in enumerate(rows):
            kandidatnr = raw.get("kandidatnr") if isinstance(raw, dict) else None
            outcome: dict[str, Any] = {
                "index": index,
                "kandidatnr": None if kandidatnr is None else str(kandidatnr),
            }
            try:
                result = _check(raw, exam, candidates, registered, seen)
            except RowRejected as exc:
                outcome.update(status="REJECTED", reason=exc.reason, message=exc.message)
            else:
                stored[result.kandidatnr] = result
                outcome.update(status="ACCEPTED", result=result.as_json())
            outcomes.append(outcome)
        return outcomes


def _check(raw: Any, exam: Exam, candidates: set[str], registered: set[int], seen: set[str]) -> StoredResult:
    try:
        row = ResultRow.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) or "row" for err in exc.errors())
        raise RowRejected("invalid_row", f"malformed field(s): {fields}") from None
    if row.kandidatnr in seen:
        raise RowRejected("duplicate_kandidat", f"kandidatnr {row.kandidatnr} appears more than once")
    seen.add(row.kandidatnr)
    if row.kandidatnr not in candidates:
        raise RowRejected("unknown_kandidat", f"no kandidat {row.kandidatnr} on {exam.key.id}")
    try:
        grade = interpret(exam.karakterskala, row.karakter, row.administrativ)
    except GradeError as exc:
        raise RowRejected("grade_not_on_scale", str(exc)) from None
    if not row.sensorer and not grade.administrative:
        raise RowRejected("missing_assessor", "a grade needs the personløpenummer of the assessor(s) who set it")
    unknown = sorted(set(row.sensorer) - registered)
    if unknown:
        listed = ", ".join(str(n) for n in unknown)
        raise RowRejected("assessor_not_registered", f"assessor(s) {listed} not registered on {exam.key.id}")
    if not _FEIDE.match(row.saksbehandler.strip()):
        raise RowRejected("invalid_manager", "saksbehandler must be the manager's Feide username, user@realm")
    return StoredResult(
        kandidatnr=row.kandidatnr,
        grade=grade,
        sensorer=tuple(row.sensorer),
        saksbehandler=row.saksbehandler.strip(),
        registrert=dt.datetime.now(dt.UTC),
    )
