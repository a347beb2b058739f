"""Assessors on a flow and their single-assessor allocations (which participants each one marks).

Manual allocation: in WISEflow a manager can switch a flow from "allocated from the SIS" to
manual allocation in the UI, after which synchronisation must leave allocations alone. The API has
no call for that switch, so the sandbox exposes it as ``/_sandbox/flows/{id}/manual-allocation``;
while it is on, every allocation *write* through the API answers 403 with reason
``MANUAL_ALLOCATION``, which is how an integration learns to keep its hands off. Reading stays open.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from edusync.sandbox.wiseflow.envelope import ApiError, no_content, ok, paginate
from edusync.sandbox.wiseflow.flows import get_flow
from edusync.sandbox.wiseflow.participants import LegacyUserData, get_participant, legacy_failure
from edusync.sandbox.wiseflow.state import (
    ARCHIVED,
    ASSESSOR_TYPES,
    LEGACY_ASSESSOR_TYPE,
    Assessor,
    Flow,
    Store,
)
from edusync.sandbox.wiseflow.users import find_user


class UserData(BaseModel):
    userDataTypeId: int
    value: str


class NewAssessor(BaseModel):
    userId: int | None = None
    email: str | None = None
    userData: UserData | None = None
    assessorTypeId: int | None = None


class LegacyAssessor(BaseModel):
    userData: LegacyUserData | None = None
    email: str | None = None
    type: int | None = None  # the legacy assessor type (INTERNAL=0, EXTERNAL=1), as the legacy listing shows it


class AssessorPatch(BaseModel):
    assessorTypeId: int | None


class ParticipantIds(BaseModel):
    participantIds: list[int]


def allocation_writable(flow: Flow) -> None:
    """Refuse an allocation change the way WISEflow would (archived, manual allocation)."""
    if flow.state == ARCHIVED:
        raise ApiError(403, "the flow is archived", "FLOW_ARCHIVED")
    if flow.manual_allocation:
        raise ApiError(403, "assessor allocation on this flow is managed manually", "MANUAL_ALLOCATION")


def get_assessor(flow: Flow, assessor_id: int) -> Assessor:
    assessor = flow.assessors.get(assessor_id)
    if assessor is None:
        raise ApiError(404, f"assessor {assessor_id} not on flow {flow.id}", "ASSESSOR_NOT_FOUND")
    return assessor


def check_participants(flow: Flow, ids: list[int]) -> None:
    if not ids or len(set(ids)) != len(ids):
        raise ApiError(400, "participantIds must be non-empty and without duplicates", "INVALID_PARTICIPANTS")
    for pid in ids:
        get_participant(flow, pid)


def assessor_json(store: Store, assessor: Assessor) -> dict[str, Any]:
    user = store.users[assessor.user_id]
    user_part = {"userId": user.id, "firstName": user.first_name, "lastName": user.last_name}
    return {"assessorId": assessor.id, "user": user_part, "assessorTypeId": assessor.type_id}


def _single_allocations_allowed(flow: Flow) -> None:
    allocation_writable(flow)
    if flow.allocation_type != "SINGLE_ASSESSOR":
        raise ApiError(403, "the flow allocates assessor groups, not single assessors", "ALLOCATION_TYPE_GROUPED")


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.get("/flows/{flow_id}/assessors")
    async def list_assessors(flow_id: int, offset: int = 0, limit: int | None = None) -> JSONResponse:
        flow = get_flow(store, flow_id)
        items = [assessor_json(store, a) for a in flow.assessors.values()]
        page, info = paginate(items, offset, limit, 50, 50)
        return ok(page, pagination=info)

    @api.post("/flows/{flow_id}/assessors", status_code=201)
    async def add_assessor(flow_id: int, body: NewAssessor) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        if body.assessorTypeId is not None and body.assessorTypeId not in ASSESSOR_TYPES:
            raise ApiError(404, f"assessor type {body.assessorTypeId} not found", "ASSESSOR_TYPE_NOT_FOUND")
        data = (body.userData.userDataTypeId, body.userData.value) if body.userData else None
        user = find_user(store, user_id=body.userId, email=body.email, data=data)
        if user is None:
            raise ApiError(404, "user not found", "USER_NOT_FOUND")
        if any(a.user_id == user.id for a in flow.assessors.values()):
            raise ApiError(400, "the user is already an assessor on the flow", "ALREADY_ON_FLOW")
        assessor = Assessor(store.next_id("assessor"), user.id, body.assessorTypeId)
        flow.assessors[assessor.id] = assessor
        return ok(assessor_json(store, assessor), status=201)

    @api.post("/flow/{flow_id}/assessors/add")
    async def add_assessors_legacy(flow_id: int, body: list[LegacyAssessor]) -> dict[str, Any]:
        """The legacy batch add: bare ``{failed: [{message, code, request}]}`` (the spec answers no ids)."""
        flow = get_flow(store, flow_id, bare=True, writable=True)
        by_legacy = {legacy: type_id for type_id, legacy in LEGACY_ASSESSOR_TYPE.items()}
        failed: list[dict[str, Any]] = []
        for item in body:
            on_flow = {a.user_id for a in flow.assessors.values()}
            code, message, user = legacy_failure(store, item.userData, item.email, on_flow, "AA")
            if user is not None and item.type is not None and item.type not in by_legacy:
                code, message, user = "AA004", "the assessor type is not on the licence", None
            if user is None:
                failed.append({"message": message, "code": code, "request": item.model_dump(exclude_none=True)})
                continue
            type_id = by_legacy.get(item.type) if item.type is not None else None
            assessor = Assessor(store.next_id("assessor"), user.id, type_id)
            flow.assessors[assessor.id] = assessor
        return {"failed": failed}

    @api.patch("/flows/{flow_id}/assessors/{assessor_id}")
    async def patch_assessor(flow_id: int, assessor_id: int, body: AssessorPatch) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        assessor = get_assessor(flow, assessor_id)
        if body.assessorTypeId is not None and body.assessorTypeId not in ASSESSOR_TYPES:
            raise ApiError(404, f"assessor type {body.assessorTypeId} not found", "ASSESSOR_TYPE_NOT_FOUND")
        assessor.type_id = body.assessorTypeId
        return ok(assessor_json(store, assessor))

    @api.delete("/flows/{flow_id}/assessors/{assessor_id}")
    async def remove_assessor(flow_id: int, assessor_id: int) -> Response:
        flow = get_flow(store, flow_id, writable=True)
        get_assessor(flow, assessor_id)
        del flow.assessors[assessor_id]
        for group in flow.assessor_groups.values():
            group.assessor_ids = [i for i in group.assessor_ids if i != assessor_id]
        return ok()

    @api.get("/flow/{flow_id}/assessors")
    async def list_assessors_legacy(flow_id: int) -> list[dict[str, Any]]:
        flow = get_flow(store, flow_id, bare=True)
        result = []
        for a in flow.assessors.values():
            user = store.users[a.user_id]
            result.append(
                {
                    "id": a.id,
                    "user": {**user.brief(), "phone": user.phone, "externalIds": user.visible_ids()},
                    "type": LEGACY_ASSESSOR_TYPE.get(a.type_id or 0, 2),
                    "participantIds": list(a.participant_ids),
                    "assessorGroupIds": [g.id for g in flow.assessor_groups.values() if a.id in g.assessor_ids],
                }
            )
        return result

    @api.get("/flows/{flow_id}/assessors/{assessor_id}/allocations")
    async def read_allocations(flow_id: int, assessor_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id)
        return ok({"participantIds": list(get_assessor(flow, assessor_id).participant_ids)})

    @api.post("/flows/{flow_id}/assessors/{assessor_id}/allocations", status_code=204)
    async def allocate(flow_id: int, assessor_id: int, body: ParticipantIds) -> Response:
        flow = get_flow(store, flow_id)
        assessor = get_assessor(flow, assessor_id)
        _single_allocations_allowed(flow)
        if assessor.participant_ids:
            raise ApiError(403, "the assessor already has allocations; add or remove one by one", "HAS_ALLOCATIONS")
        check_participants(flow, body.participantIds)
        assessor.participant_ids = list(body.participantIds)
        return no_content()

    @api.delete("/flows/{flow_id}/assessors/{assessor_id}/allocations")
    async def deallocate_all(flow_id: int, assessor_id: int) -> Response:
        flow = get_flow(store, flow_id)
        assessor = get_assessor(flow, assessor_id)
        _single_allocations_allowed(flow)
        graded = [pid for pid in assessor.participant_ids if (m := flow.marks.get(pid)) and m.grade]
        if graded:
            raise ApiError(403, f"participant(s) {graded} already have a final grade", "HAS_FINAL_GRADE")
        assessor.participant_ids = []
        return ok()

    @api.post("/flows/{flow_id}/assessors/{assessor_id}/allocations/participants/{participant_id}", status_code=204)
    async def allocate_one(flow_id: int, assessor_id: int, participant_id: int) -> Response:
        flow = get_flow(store, flow_id)
        assessor = get_assessor(flow, assessor_id)
        _single_allocations_allowed(flow)
        get_participant(flow, participant_id)
        if participant_id not in assessor.participant_ids:
            assessor.participant_ids.append(participant_id)
        return no_content()

    @api.delete("/flows/{flow_id}/assessors/{assessor_id}/allocations/participants/{participant_id}", status_code=204)
    async def deallocate_one(flow_id: int, assessor_id: int, participant_id: int) -> Response:
        flow = get_flow(store, flow_id)
        assessor = get_assessor(flow, assessor_id)
        _single_allocations_allowed(flow)
        if (mark := flow.marks.get(participant_id)) and mark.grade:
            raise ApiError(403, "the participant already has a final grade", "HAS_FINAL_GRADE")
        assessor.participant_ids = [i for i in assessor.participant_ids if i != participant_id]
        return no_content()

    return api
