"""The ``wiseflow`` target connector: one flow per exam, with its people, groups, allocation and rooms.

Object types and the attributes it reads (names from WISEflow's FS client, see ``docs/exams.md``):

- ``exam``: the flow (see :mod:`.flows`);
- ``assessment_group``: ``exam`` (the exam's key), ``externalId`` (FS kommisjon id, kept in edusync's group
  map: WISEflow's groups have no external id), ``name``, ``assessors``;
- ``assessor``: ``exam``, the person fields, ``assessorType``, ``assessmentGroupIds``;
- ``participant``: ``exam``, the person fields, ``language``, ``uniqueExamId``, ``assessmentGroupIds``,
  ``roomId``, ``endDateParticipant`` (see :mod:`.people`).

Give the target's objects in that order (exam, assessment_group, assessor, participant): a change
set is exported in the order of the target's object rules, and each needs the one before it.
Export is idempotent (everything is found again by its source key before it is created), so the
connector needs no ``confirm``. Once WISEflow is down (after the retries) or answers with something
that is not JSON, nothing more of the change set is sent: each remaining change fails as
retriable with the reason, and the next run sends what did not go through. A flow whose allocation is manual in
WISEflow keeps its allocations; a warning in the run report says which, one line per flow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from edusync.connectors.base import Capability, Connector, ObjectTypeSpec
from edusync.connectors.http import MalformedAnswer
from edusync.connectors.wiseflow.allocation import ManualAllocation, reconcile
from edusync.connectors.wiseflow.client import WiseflowClient
from edusync.connectors.wiseflow.enrol import Enrolling, Enrolment
from edusync.connectors.wiseflow.flows import FlowWriter
from edusync.connectors.wiseflow.grades import Mark, read_marks
from edusync.connectors.wiseflow.groupmap import GroupMap
from edusync.connectors.wiseflow.lookup import FlowIds, Lookup
from edusync.connectors.wiseflow.people import People
from edusync.connectors.wiseflow.settings import WiseflowSettings
from edusync.errors import FatalError, RetriableError, SkippableError
from edusync.model.exams import EXAM_ATTRIBUTES
from edusync.model.records import Change, ChangeResult, Op

Json = dict[str, Any]
PERSON = ("organisationId", "nationalId", "firstName", "lastName", "emails", "phones", "externalUserId")


@dataclass(frozen=True, slots=True)
class AllocationOutcome:
    exam: str
    flow_id: int | None
    status: str  # "in_sync", "restored", "manual", "no_flow"
    groups_rewritten: int = 0


def manual_warning(exam: str, flow_id: int) -> str:
    return (
        f"wiseflow: flow {flow_id} (exam {exam}) uses manual assessor allocation in WISEflow; "
        "edusync left its allocations alone"
    )


class WiseflowConnector(Connector):
    type_name = "wiseflow"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.EXPORT, Capability.SOFT_DELETE})
    settings_model = WiseflowSettings
    default_batch_size = 200
    settings: WiseflowSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = WiseflowClient(self.settings)
        self.lookup = Lookup(self.client, GroupMap(self.resolve_path(self.settings.group_map)))
        self.flows = FlowWriter(self.client, self.lookup, self.settings)
        self.people = People(self.client, self.lookup)
        self.manual: set[int] = set()  # flows found on manual allocation
        self.enrolment = Enrolment(
            self.client, self.lookup, self.people, self.settings.parallel, self.manual, self._manual_found
        )
        self.down: str | None = None  # why WISEflow stopped answering in this export, if it did

    def object_types(self) -> list[ObjectTypeSpec]:
        ref = {"exam": "exam"}
        return [
            ObjectTypeSpec("exam", "examId", EXAM_ATTRIBUTES),
            ObjectTypeSpec("assessment_group", "externalId", ("exam", "name", "assessors"), ref),
            ObjectTypeSpec("assessor", "externalUserId", ("exam", *PERSON, "assessorType", "assessmentGroupIds"), ref),
            ObjectTypeSpec(
                "participant",
                "uniqueExamId",
                ("exam", *PERSON, "language", "assessmentGroupIds", "roomId", "endDateParticipant"),
                ref,
            ),
        ]

    def close(self) -> None:
        self.client.close()

    def begin_export(self, run_id: int, change_set_id: int) -> None:
        self.lookup.reset()
        self.enrolment.reset()
        self.down = None

    # -- export -------------------------------------------------------------------------------

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        results: list[ChangeResult] = []
        enrolling: list[Change] = []  # participants to add or update: sent together (see .enrol)
        for change in changes:
            if change.object_type == "participant" and change.op in (Op.ADD, Op.UPDATE, Op.RESTORE):
                enrolling.append(change)
                continue
            results += self._enrol(enrolling)
            enrolling = []
            results.append(self._one(change))
        results += self._enrol(enrolling)
        order = {c.id: n for n, c in enumerate(changes)}  # in the change set's order, as the report lists them
        return sorted(results, key=lambda r: order[r.change_id])

    def _one(self, change: Change) -> ChangeResult:
        if self.down is not None:  # nor wait out the retries once per change (or batch) when WISEflow is down
            return ChangeResult(change.id, False, self.down, True)
        try:
            self._apply(change)
            return ChangeResult(change.id, True)
        except (RetriableError, MalformedAnswer) as exc:
            self.down = f"not sent: {exc}"
            return ChangeResult(change.id, False, str(exc), True)
        except SkippableError as exc:
            return ChangeResult(change.id, False, str(exc), False)

    def _enrol(self, changes: list[Change]) -> list[ChangeResult]:
        """Participants in bulk; the outcome is still each change's own."""
        items: list[Enrolling] = []
        failed: list[ChangeResult] = []
        for change in changes:
            if self.down is not None:
                failed.append(ChangeResult(change.id, False, self.down, True))
                continue
            try:
                flow = self._flow(change)
            except (RetriableError, MalformedAnswer) as exc:
                self.down = f"not sent: {exc}"
                failed.append(ChangeResult(change.id, False, str(exc), True))
                continue
            except SkippableError as exc:
                failed.append(ChangeResult(change.id, False, str(exc), False))
                continue
            assert flow is not None  # an add or update finds its flow or is skipped
            items.append(Enrolling(change, flow))
        if not items:
            return failed
        self.down = self.enrolment.send(items)  # what went through before a failure is found again next time
        return failed + [ChangeResult(i.change.id, i.going, i.error, i.retriable) for i in items]

    def _manual_found(self, flow: FlowIds) -> None:
        self.warn(manual_warning(self.lookup.exam_id(flow.flow_id, str(flow.flow_id)), flow.flow_id))

    def _apply(self, change: Change) -> None:
        handlers: dict[str, Callable[[Change], None]] = {
            "exam": self._exam,
            "assessment_group": self._group,
            "assessor": self._assessor,
            "participant": self._participant,
        }
        handler = handlers.get(change.object_type)
        if handler is None:
            raise FatalError(f"wiseflow connector {self.name!r} has no object type {change.object_type!r}")
        handler(change)

    def _exam(self, change: Change) -> None:
        # WISEflow's API deletes no flows; a flow stays for its archive when its exam leaves FS.
        if change.op in (Op.ADD, Op.UPDATE, Op.RESTORE):
            self.flows.upsert(change.key, change.attrs)

    def _flow(self, change: Change) -> FlowIds | None:
        exam = change.attrs.get("exam")
        if not exam:
            raise SkippableError(f"{change.object_type} {change.key}: no 'exam' attribute (the exam's key)")
        flow_id = self.lookup.flow_id(str(exam))
        if flow_id is None:
            if change.op in (Op.DELETE, Op.ARCHIVE):
                return None
            raise SkippableError(f"{change.object_type} {change.key}: exam {exam} has no flow in WISEflow yet")
        return self.lookup.on_flow(flow_id)

    def _group(self, change: Change) -> None:
        flow = self._flow(change)
        if flow is None:
            return
        if change.op == Op.DELETE:
            self.people.remove_group(flow, change.key, change.attrs)
        elif change.op != Op.ARCHIVE:
            self.people.group(flow, change.key, change.attrs)

    def _assessor(self, change: Change) -> None:
        flow = self._flow(change)
        if flow is None:
            return
        if change.op == Op.DELETE:
            self.people.remove_assessor(flow, change.key, change.attrs)
        elif change.op != Op.ARCHIVE:
            self.people.assessor(flow, change.key, change.attrs)

    def _participant(self, change: Change) -> None:
        flow = self._flow(change)  # only removals come here: adds and updates go in bulk
        if flow is not None:
            self.people.remove_participant(flow, change.key, change.attrs, soft=change.soft or change.op == Op.ARCHIVE)

    # -- allocation reconcile and grades (used by edusync.services.exams_*) -------------------

    def reconcile_allocations(self, desired: Mapping[str, Mapping[str, str | None]]) -> list[AllocationOutcome]:
        """For each exam key: make the flow's allocation FS's ``{kandidatnr: kommisjon id}``, unless manual."""
        self.lookup.reset()
        out = []
        for exam, allocation in desired.items():
            flow_id = self.lookup.flow_id(exam)
            if flow_id is None:
                out.append(AllocationOutcome(exam, None, "no_flow"))
                continue
            try:
                n = reconcile(self.client, self.lookup.on_flow(flow_id), allocation)
            except ManualAllocation:
                self.manual.add(flow_id)
                self.warn(manual_warning(self.lookup.exam_id(flow_id, exam), flow_id))
                out.append(AllocationOutcome(exam, flow_id, "manual"))
                continue
            out.append(AllocationOutcome(exam, flow_id, "restored" if n else "in_sync", n))
        return out

    def marks(self, exam_id: str) -> tuple[int, list[Mark]]:
        """The flow tagged with FS exam id ``exam_id`` and its marked participants."""
        self.lookup.reset()
        flow_id = self.lookup.flow_id(exam_id)
        if flow_id is None:
            raise FatalError(f"WISEflow has no flow for exam {exam_id} (run `edusync exams sync` first)")
        return flow_id, read_marks(self.client, flow_id)
