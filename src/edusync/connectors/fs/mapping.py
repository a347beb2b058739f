"""FS JSON → edusync records, field by field as WISEflow's FS client maps them.

Attribute names are the WISEflow side of the FS client's mapping tables (``title``,
``startDateParticipants``, ``organisationId`` …), so a reader can check each line against the
table in ``docs/exams.md``. Every attribute is always present (``None`` or ``[]`` when FS has
nothing), so a target flow never mistakes a typo for missing data. Dates stay ISO 8601 text as FS
sends them; the WISEflow connector converts them.

A fødselsnummer that fails its check digits is bad data: by default the import stops with a
:class:`~edusync.errors.SourceError` naming the exam and the kandidat or sensor (the number
masked), so nothing is staged or sent until FS is corrected; with ``leave_out`` the number is left
out of that person and the run report says so. Data FS can hold but a target cannot use (a
kandidat in a commission or room the exam does not list) is passed on, with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edusync.errors import SourceError
from edusync.model import fnr

Json = dict[str, Any]


def _no_warnings(message: str) -> None:
    """Mapping without a run (``edusync exams fetch``): nothing to report to."""


@dataclass(frozen=True)
class Checks:
    """How the mapping treats a bad fødselsnummer, and where its warnings go."""

    leave_out_invalid_fnr: bool = False
    warn: Callable[[str], None] = field(default=_no_warnings)

    def national_id(self, value: Any, who: str) -> str | None:
        if value in (None, ""):
            return None
        if fnr.is_valid(str(value)):
            return str(value)
        problem = f"{who}: invalid fødselsnummer {fnr.mask(str(value))}"
        if not self.leave_out_invalid_fnr:
            raise SourceError(f"{problem}; correct it in FS (or set invalid_national_id: leave_out)")
        self.warn(f"{problem}; left out (invalid_national_id: leave_out)")
        return None


STRICT = Checks()


def _present(*values: Any) -> list[Any]:
    return [v for v in values if v not in (None, "")]


def _first(*values: Any) -> Any:
    """FS's ``a || b``: the first value that is there."""
    return next((v for v in values if v not in (None, "")), None)


def exam_attrs(exam: Json) -> Json:
    """Assessment info: the flow's title, dates, grade type, test type and rooms."""
    return {
        "examId": exam["id"],
        "institusjonsnr": exam["institusjonsnr"],
        "emnekode": exam["emnekode"],
        "versjonskode": exam["versjonskode"],
        "vurderingsordning": exam.get("vurderingsordning") or exam.get("vurdkombkode"),
        "year": exam.get("arstall"),
        "termCode": exam.get("terminkode"),
        "title": exam.get("emnetittel"),
        "subTitle": exam.get("emnekode"),
        "term": exam.get("tid"),
        "startDateParticipants": _first(exam.get("datoEksamenFra"), exam.get("start")),
        "endDateParticipants": _first(exam.get("datoEksamenTil"), exam.get("slutt")),
        "endDateMarking": exam.get("sensurfrist"),
        "endDateComplaint": exam.get("klagefrist"),
        "gradeType": exam.get("karakterskala"),
        "testType": exam.get("vurdkombtittel"),
        "rooms": [
            {"id": r["id"], "building": r.get("bygningsnavn"), "room": r.get("romnavn"), "equipment": r.get("utstyr")}
            for r in exam.get("rom") or []
        ],
    }


def _person(p: Json, who: str, checks: Checks) -> Json:
    """The personInfo block assessors and participants share."""
    contact = p.get("kontaktinfo") or {}
    return {
        "organisationId": p.get("brukernavn"),
        "nationalId": checks.national_id(p.get("fnr"), who),
        "firstName": p.get("fornavn"),
        "lastName": p.get("etternavn"),
        "emails": _present(contact.get("epost"), contact.get("epostPrivat")),
        "phones": _present(contact.get("telefonnr")),
        "externalUserId": None if p.get("id") is None else str(p["id"]),
    }


def participant_records(exam: Json, checks: Checks = STRICT) -> list[tuple[str, Json]]:
    """One record per kandidat, anchored ``examId|kandidatnr`` (kandidatnr is unique per exam)."""
    exam_id = exam["id"]
    commissions = {str(k.get("id")) for k in exam.get("kommisjoner") or []}
    rooms_listed = {str(r.get("id")) for r in exam.get("rom") or []}
    out: list[tuple[str, Json]] = []
    for gruppe in exam.get("vurderingsgrupper") or []:
        for k in gruppe.get("kandidater") or []:
            kandidatnr = k.get("kandidatnr")
            if not kandidatnr:
                raise SourceError(
                    f"FS exam {exam_id}: a kandidat without kandidatnr in vurderingsgruppe {gruppe.get('id')} "
                    f"(fnr {fnr.mask(k.get('fnr'))})"
                )
            who = f"FS exam {exam_id} kandidat {kandidatnr}"
            group = k.get("kommisjonsid")
            rooms = [o.get("stedId") for o in k.get("oppmote") or [] if o.get("stedId")]
            if group is not None and str(group) not in commissions:
                checks.warn(f"{who}: kommisjon {group} is not among the exam's kommisjoner; no assessor is allocated")
            if rooms and str(rooms[0]) not in rooms_listed:
                checks.warn(f"{who}: oppmøte in room {rooms[0]}, which the exam's rom does not list; not seated")
            out.append(
                (
                    f"{exam_id}|{kandidatnr}",
                    {
                        "exam": exam_id,
                        **_person(k, who, checks),
                        "language": k.get("sprak"),
                        "uniqueExamId": {"name": "kandidatnr", "value": str(kandidatnr)},
                        "kandidatnr": str(kandidatnr),
                        "assessmentGroupIds": [] if group is None else [str(group)],
                        "roomId": rooms[0] if rooms else None,
                        "endDateParticipant": k.get("innleveringsfrist"),
                        "vurderingsgruppe": gruppe.get("id"),
                    },
                )
            )
    return out


def assessor_records(exam: Json, checks: Checks = STRICT) -> list[tuple[str, Json]]:
    """One record per sensor and exam (anchored ``examId|personløpenummer``), with every commission."""
    exam_id = exam["id"]
    by_id: dict[str, Json] = {}
    for kommisjon in exam.get("kommisjoner") or []:
        for s in kommisjon.get("sensorer") or []:
            if s.get("id") is None:
                raise SourceError(f"FS exam {exam_id}: a sensor without id in kommisjon {kommisjon.get('id')}")
            plnr = str(s["id"])
            if plnr in by_id:  # the same sensor in a second commission: checked once
                by_id[plnr]["assessmentGroupIds"].append(str(kommisjon["id"]))
                continue
            by_id[plnr] = {
                "exam": exam_id,
                **_person(s, f"FS exam {exam_id} sensor {plnr}", checks),
                "assessorType": s.get("sensorrolle"),
                "assessmentGroupIds": [str(kommisjon["id"])],
            }
    return [(f"{exam_id}|{plnr}", attrs) for plnr, attrs in by_id.items()]


def assessment_group_records(exam: Json) -> list[tuple[str, Json]]:
    """Commissions (kommisjoner) → assessment groups: ``externalId`` = id, ``name`` = navn."""
    exam_id = exam["id"]
    return [
        (
            f"{exam_id}|{k['id']}",
            {
                "exam": exam_id,
                "externalId": str(k["id"]),
                "name": k.get("navn"),
                "assessors": sorted(str(s["id"]) for s in k.get("sensorer") or []),
            },
        )
        for k in exam.get("kommisjoner") or []
    ]
