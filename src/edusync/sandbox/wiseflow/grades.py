"""Marks and grades: WISEflow's read endpoints, and the sandbox route that plays the assessors.

WISEflow 1.34.0 has no endpoint that *writes* a grade: assessors enter them in the UI. So the
sandbox takes them through ``POST /_sandbox/flows/{id}/grades`` (see :mod:`.admin`) and serves
them where a client reads them: ``GET /flow/{flowId}/assessments`` (bare array, one item per
participant) and ``GET /flow/{flowId}/assessments/{participantId}`` (envelope). Each item also
carries ``assessorIds``, the assessors who entered the mark: a sandbox extension, because FS
wants the marking assessors' personløpenummer with each grade and 1.34.0 has no plain field for it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from edusync.sandbox.wiseflow.envelope import ApiError, ok
from edusync.sandbox.wiseflow.flows import get_flow
from edusync.sandbox.wiseflow.state import Flow, Mark, Store, now


class MarkBody(BaseModel):
    participantId: int
    grade: str | None = None
    adminGrade: str | None = None
    assessorIds: list[int] | None = None  # None: the participant's allocated assessors


def assessment_json(flow: Flow, participant_id: int) -> dict[str, Any]:
    mark = flow.marks.get(participant_id)
    return {
        "id": mark.id if mark else None,
        "participantId": participant_id,
        "grade": mark.grade if mark else None,
        "adminGrade": mark.admin_grade if mark else None,
        "adminGradeDate": mark.admin_grade_date if mark else None,
        "date": mark.date if mark else None,
        "exportState": 0,  # NOT_EXPORTED: the sandbox has no SIS export of its own
        "exportDate": None,
        "exportMessage": None,
        "assessorIds": list(mark.assessor_ids) if mark else [],
    }


def _allocated(flow: Flow, participant_id: int) -> list[int]:
    direct = [a.id for a in flow.assessors.values() if participant_id in a.participant_ids]
    grouped = [a for g in flow.assessor_groups.values() if participant_id in g.participant_ids for a in g.assessor_ids]
    return list(dict.fromkeys(direct + grouped))


def enter_marks(store: Store, flow: Flow, marks: list[MarkBody]) -> list[dict[str, Any]]:
    """Check every mark first, then store them all: a bad one must not leave half a batch behind."""
    for body in marks:
        if body.participantId not in flow.participants:
            raise ApiError(404, f"participant {body.participantId} not on flow {flow.id}", "PARTICIPANT_NOT_FOUND")
        if body.grade is None and body.adminGrade is None:
            raise ApiError(400, "a mark needs a grade or an adminGrade", "NO_GRADE")
        unknown = [a for a in body.assessorIds or [] if a not in flow.assessors]
        if unknown:
            raise ApiError(400, f"assessor(s) {unknown} not on flow {flow.id}", "ASSESSOR_NOT_FOUND")
    stamp = now()
    for body in marks:
        assessors = body.assessorIds if body.assessorIds is not None else _allocated(flow, body.participantId)
        previous = flow.marks.get(body.participantId)
        flow.marks[body.participantId] = Mark(
            id=previous.id if previous else store.next_id("other"),
            participant_id=body.participantId,
            grade=body.grade,
            admin_grade=body.adminGrade,
            assessor_ids=list(assessors),
            date=stamp,
            admin_grade_date=stamp if body.adminGrade is not None else None,
        )
    return [assessment_json(flow, b.participantId) for b in marks]


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.get("/flow/{flow_id}/assessments")
    async def assessments(flow_id: int) -> list[dict[str, Any]]:
        flow = get_flow(store, flow_id, bare=True)
        return [assessment_json(flow, pid) for pid in flow.participants]

    @api.get("/flow/{flow_id}/assessments/{participant_id}")
    async def assessment(flow_id: int, participant_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id)
        if participant_id not in flow.participants:
            raise ApiError(404, f"participant {participant_id} not on flow {flow_id}", "PARTICIPANT_NOT_FOUND")
        return ok(assessment_json(flow, participant_id))

    return api
