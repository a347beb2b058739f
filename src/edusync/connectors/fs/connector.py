"""The ``fs`` source connector: exams, candidates, assessors, commissions and study groups from FS.

It does what WISEflow's FS client does on its *List* and *Fetch* sides: list the exams that can be
fetched, fetch one by its unique key, and map every field of the client's tables (see
:mod:`.mapping`). Exams are chosen by the ``exams`` and ``terms`` settings. One import step reads
each chosen exam once, however many object types it stages, and a failure halfway (FS down after
the retries, a body that is not JSON, an exam missing a field every exam has, an invalid
fødselsnummer) raises before anything is yielded for that type, so the engine stages nothing
partial. Every such error names FS and the exam or record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from edusync.connectors.base import Capability, Connector, ImportStream, ObjectTypeSpec
from edusync.connectors.fs import groups, mapping
from edusync.connectors.fs.client import FsClient
from edusync.connectors.fs.keys import ExamKey
from edusync.connectors.fs.settings import FsSettings
from edusync.errors import SourceError
from edusync.model.exams import EXAM_ATTRIBUTES
from edusync.model.records import SourceRecord

Json = dict[str, Any]

PERSON_FIELDS = ("organisationId", "nationalId", "firstName", "lastName", "emails", "phones", "externalUserId")
OBJECT_TYPES = [
    ObjectTypeSpec("exam", "examId", EXAM_ATTRIBUTES),
    ObjectTypeSpec("assessment_group", "id", ("exam", "externalId", "name", "assessors"), {"exam": "exam"}),
    ObjectTypeSpec("assessor", "id", ("exam", *PERSON_FIELDS, "assessorType", "assessmentGroupIds"), {"exam": "exam"}),
    ObjectTypeSpec(
        "participant",
        "id",
        (
            "exam",
            *PERSON_FIELDS,
            "language",
            "uniqueExamId",
            "kandidatnr",
            "assessmentGroupIds",
            "roomId",
            "endDateParticipant",
        ),
        {"exam": "exam"},
    ),
    ObjectTypeSpec("person", "personlopenummer", ("organisationId", "nationalId", "firstName", "lastName")),
    ObjectTypeSpec("group", "id", ("groupType", "code", "name", "programme")),
    ObjectTypeSpec(
        "membership", "id", ("person", "group", "role", "begin", "end"), {"person": "person", "group": "group"}
    ),
]
EXAM_TYPES = {"exam", "assessment_group", "assessor", "participant"}


class FsConnector(Connector):
    """Reads FS over its REST API; see the module docstring and ``docs/exams.md``."""

    type_name = "fs"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.FULL_IMPORT})
    settings_model = FsSettings
    settings: FsSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = FsClient(self.settings)
        self._exams: list[Json] | None = None
        self._students: list[Json] | None = None
        # ``self.warn`` is looked up per call: the engine swaps the warnings list after construction.
        self.checks = mapping.Checks(self.settings.invalid_national_id == "leave_out", lambda m: self.warn(m))

    def object_types(self) -> list[ObjectTypeSpec]:
        if self.settings.study_groups:
            return list(OBJECT_TYPES)
        return [t for t in OBJECT_TYPES if t.name in EXAM_TYPES]

    def close(self) -> None:
        self.client.close()

    # -- list and fetch (also used by `edusync exams list|fetch` and the grade export) ---------

    def list_exams(self, tid: str | None = None) -> list[Json]:
        """The exams FS lists, optionally for one term ``YYYY TTT``."""
        return self.client.list_exams(tid)

    def fetch(self, key: str | ExamKey) -> Json:
        """One exam as FS has it (raw JSON); ``key`` is parsed first, so a bad term fails clearly."""
        return self.client.exam(key if isinstance(key, ExamKey) else ExamKey.parse(key))

    def chosen_keys(self) -> list[ExamKey]:
        """The configured exams, plus every exam of the configured terms; all exams if neither is set."""
        s = self.settings
        keys = [ExamKey.parse(k) for k in s.exams]
        listed: list[Json] = []
        for tid in s.terms:
            listed += self.client.list_exams(tid)
        if not s.exams and not s.terms:
            listed = self.client.list_exams()
        for e in listed:
            if not isinstance(e.get("id"), str):
                raise SourceError(f"FS listed an exam without an id ({_key_parts(e)})")
            keys.append(ExamKey.parse(e["id"]))
        return list(dict.fromkeys(keys))

    def _chosen(self) -> list[Json]:
        if self._exams is None:
            self._exams = [self.client.exam(k) for k in self.chosen_keys()]
        return self._exams

    # -- import -------------------------------------------------------------------------------

    def import_objects(self, object_type: str, *, since: str | None = None) -> ImportStream:
        spec = self.object_type(object_type)  # an unknown type is a FatalError naming it
        records = self._records(object_type)  # fetched in full before the first record is yielded
        return ImportStream(iter([SourceRecord(a, {spec.anchor: a, **attrs}) for a, attrs in records]))

    def _records(self, object_type: str) -> list[tuple[str, Json]]:
        per_exam: dict[str, Callable[[Json], list[tuple[str, Json]]]] = {
            "exam": lambda e: [(e["id"], mapping.exam_attrs(e))],
            "assessment_group": mapping.assessment_group_records,
            "assessor": lambda e: mapping.assessor_records(e, self.checks),
            "participant": lambda e: mapping.participant_records(e, self.checks),
        }
        if object_type in per_exam:
            return [record for exam in self._chosen() for record in _shaped(exam, per_exam[object_type])]
        try:
            if object_type == "group":
                return groups.group_records(self.client.programmes(), self.client.kull())
            students = self._all_students()
            if object_type == "person":
                people = {str(s["personlopenummer"]): groups.person_attrs(s, self.checks) for s in students}
                return list(people.items())
            return groups.membership_records(students)
        except (KeyError, TypeError, AttributeError) as exc:
            raise SourceError(f"FS {object_type}: a study programme, cohort or student lacks {exc}") from exc

    def _all_students(self) -> list[Json]:
        if self._students is None:
            self._students = [
                s for p in self.client.programmes() for s in self.client.programme_students(p["studieprogramkode"])
            ]
        return self._students


def _key_parts(exam: Json) -> str:
    return "|".join(
        str(exam.get(k)) for k in ("institusjonsnr", "emnekode", "versjonskode", "vurderingsordning", "tid")
    )


def _shaped(exam: Json, records: Callable[[Json], list[tuple[str, Json]]]) -> list[tuple[str, Json]]:
    """``records(exam)``, with a field every exam has but this one lacks turned into an error naming it."""
    try:
        return records(exam)
    except (KeyError, TypeError, AttributeError) as exc:
        name = exam.get("id") if isinstance(exam, dict) else None
        raise SourceError(
            f"FS exam {name or '(no id)'}: malformed, a field is missing or of the wrong type ({exc!r})"
        ) from exc
