"""Marks and grades: WISEflow's read endpoints, and the sandbox route that plays the assessors.

WISEflow 1.34.0 has no endpoint that *writes* a grade: assessors enter them in the UI. So the
sandbox takes them through ``POST /_sandbox/flows/{id}/grades`` (see :mod:`.admin`) and serves
them where a client reads them: ``GET /flow/{flowId}/assessments`` (bare array, one item per
participant) and ``GET /flow/{flowId}/assessments/{participantId}`` (envelope), which carry no
assessors; and a participant's submission, ``GET /flow/{flowId}/submission/{submissionId}``, which
names the assessors (``assessors: [{assessorId, userId}]``) with its participants' grades: that is
where the specification says who marked. ``GET /flow/{flowId}/submissions`` lists them. On the
sandbox's individual flows each participant has one submission, numbered with the participant's id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from edusync.sandbox.wiseflow.envelope import ApiError, ok, without_nulls
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
    }


def submission_json(store: Store, flow: Flow, participant_id: int) -> dict[str, Any]:
    """The submission-info of a participant's submission: who marked it, and the grade."""
    participant = flow.participants[participant_id]
    mark = flow.marks.get(participant_id)
    assessors = mark.assessor_ids if mark else _allocated(flow, participant_id)
    grading: dict[str, Any] = {"participantId": participant_id, "userId": participant.user_id}
    if mark:
        grading |= {"grade": mark.grade, "gradingDate": mark.date}
        grading |= {"adminGrade": mark.admin_grade, "adminGradingDate": mark.admin_grade_date}
    return {
        "id": participant_id,
        "handedIn": mark is not None,
        "assessors": [{"assessorId": a, "userId": flow.assessors[a].user_id} for a in assessors if a in flow.assessors],
        "participants": [grading],
        "assessorGroupIds": [g.id for g in flow.assessor_groups.values() if participant_id in g.participant_ids],
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
    async def assessments(flow_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id, bare=True)
        # An unmarked participant's "id" is null: the one nullable field here, and a required one.
        return JSONResponse(
            [
                without_nulls(assessment_json(flow, pid)) | {"id": None}
                if pid not in flow.marks
                else without_nulls(assessment_json(flow, pid))
                for pid in flow.participants
            ]
        )

    @api.get("/flow/{flow_id}/assessments/{participant_id}")
    async def assessment(flow_id: int, participant_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id)
        if participant_id not in flow.participants:
            raise ApiError(404, f"participant {participant_id} not on flow {flow_id}", "PARTICIPANT_NOT_FOUND")
        return ok(assessment_json(flow, participant_id))

    @api.get("/flow/{flow_id}/submissions")
    async def submissions(flow_id: int) -> list[dict[str, Any]]:
        flow = get_flow(store, flow_id, bare=True)
        return [{"id": pid, "handedIn": pid in flow.marks} for pid in flow.participants]

    @api.get("/flow/{flow_id}/submission/{submission_id}")
    async def submission(flow_id: int, submission_id: int) -> dict[str, Any]:
        flow = get_flow(store, flow_id, bare=True)
        if submission_id not in flow.participants:
            raise ApiError(404, f"submission {submission_id} not on flow {flow_id}", bare=True)
        return submission_json(store, flow, submission_id)

    return api
