"""Participants: add (modern and legacy), list, read, remove, individual dates (extra time).

The two add endpoints report failures differently, and a client may use either: the modern one
answers index-aligned items with an ``error`` enum, the legacy one a bare ``{failed, ids}`` with
``AP00x`` codes. Individual participation dates are how a dispensation (extra time) from FS's
``innleveringsfrist`` lands in WISEflow.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from edusync.sandbox.wiseflow.envelope import ApiError, ok, paginate
from edusync.sandbox.wiseflow.flows import get_flow
from edusync.sandbox.wiseflow.state import USER_DATA_TYPES, Flow, Participant, Store, User
from edusync.sandbox.wiseflow.users import find_user

NO_INDIVIDUAL_DATES = {5, 6}  # FLOWoral, FLOWattend


class ModernUserData(BaseModel):
    id: int  # the modern endpoint calls the user data type id just "id"
    value: str


class ModernItem(BaseModel):
    userId: int | None = None
    email: str | None = None
    userData: ModernUserData | None = None
    uniqueExamId: str | None = None


class LegacyUserData(BaseModel):
    userDataTypeId: int
    value: str


class LegacyItem(BaseModel):
    userData: LegacyUserData | None = None
    email: str | None = None
    uniqueExamId: str | None = None


class Period(BaseModel):
    start: int | None = None
    end: int | None = None


class ParticipantDates(BaseModel):
    participation: Period | None = None
    marking: Period | None = None


class BulkItem(ParticipantDates):
    id: int


class BulkDates(BaseModel):
    participants: list[BulkItem] = Field(min_length=1)


class Activated(BaseModel):
    activated: bool


def participant_json(store: Store, flow: Flow, p: Participant) -> dict[str, Any]:
    user = store.users[p.user_id]
    return {
        "user": {**user.brief(), "phone": user.phone, "externalIds": user.visible_ids()},
        "participantId": p.id,
        "uniqueExamId": p.unique_exam_id,
        "userId": p.user_id,
        "number": p.number,
        "activated": p.activated,
        "submissionId": None,
        "groupId": None,
        "assessorIds": [a.id for a in flow.assessors.values() if p.id in a.participant_ids],
        "assessorGroupIds": [g.id for g in flow.assessor_groups.values() if p.id in g.participant_ids],
    }


def get_participant(flow: Flow, participant_id: int) -> Participant:
    participant = flow.participants.get(participant_id)
    if participant is None:
        raise ApiError(404, f"participant {participant_id} not on flow {flow.id}", "PARTICIPANT_NOT_FOUND")
    return participant


def _add(store: Store, flow: Flow, user: User, unique_exam_id: str | None) -> Participant:
    number = max((p.number for p in flow.participants.values()), default=0) + 1
    participant = Participant(store.next_id("participant"), user.id, number, unique_exam_id)
    flow.participants[participant.id] = participant
    return participant


def _dates_json(flow: Flow, p: Participant) -> dict[str, Any]:
    return {
        "participation": {"start": p.start or flow.participation[0], "end": p.end or flow.participation[1]},
        "marking": {"end": p.marking_end or flow.marking[1]},
    }


def _set_dates(flow: Flow, p: Participant, body: ParticipantDates) -> None:
    """Null keeps a value; a value equal to the flow's resets the participant to follow the flow."""
    if flow.type_id in NO_INDIVIDUAL_DATES:
        raise ApiError(403, "individual dates are not allowed on this flow type", "NOT_ALLOWED")
    part, mark = body.participation or Period(), body.marking or Period()
    if part.start is not None:
        p.start = None if part.start == flow.participation[0] else part.start
    if part.end is not None:
        p.end = None if part.end == flow.participation[1] else part.end
    if mark.end is not None:
        p.marking_end = None if mark.end == flow.marking[1] else mark.end


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.post("/flows/{flow_id}/participants")
    async def add_participants(flow_id: int, body: list[ModernItem]) -> JSONResponse:
        flow = get_flow(store, flow_id, bare=True, writable=True)
        results: list[dict[str, Any]] = []
        for item in body:
            data = (item.userData.id, item.userData.value) if item.userData else None
            try:
                user = find_user(store, user_id=item.userId, email=item.email, data=data)
            except ApiError:
                user = None
            if user is None:
                results.append({"error": "USER_NOT_FOUND"})
            elif any(p.user_id == user.id for p in flow.participants.values()):
                results.append({"error": "ALREADY_ON_FLOW"})
            else:
                p = _add(store, flow, user, item.uniqueExamId)
                results.append(
                    {
                        "participant": {"id": p.id, "index": p.number, "uniqueExamId": p.unique_exam_id},
                        "user": {**user.brief(), "emails": list(user.emails)},
                    }
                )
        return ok(results)

    @api.post("/flow/{flow_id}/participants/add")
    async def add_participants_legacy(flow_id: int, body: list[LegacyItem]) -> dict[str, Any]:
        flow = get_flow(store, flow_id, bare=True, writable=True)
        failed: list[dict[str, Any]] = []
        ids: list[int] = []
        for item in body:
            on_flow = {p.user_id for p in flow.participants.values()}
            code, message, user = legacy_failure(store, item.userData, item.email, on_flow)
            if user is None:
                failed.append({"message": message, "code": code, "request": item.model_dump(exclude_none=True)})
                continue
            ids.append(_add(store, flow, user, item.uniqueExamId).id)
        return {"failed": failed, "ids": ids}

    @api.get("/flows/{flow_id}/participants")
    async def list_participants(flow_id: int, offset: int = 0, limit: int | None = None) -> JSONResponse:
        flow = get_flow(store, flow_id)
        items = [participant_json(store, flow, p) for p in flow.participants.values()]
        page, info = paginate(items, offset, limit, 100, 100)
        return ok(page, pagination=info)

    @api.get("/flows/{flow_id}/participants/{participant_id}")
    async def read_participant(flow_id: int, participant_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id)
        return ok(participant_json(store, flow, get_participant(flow, participant_id)))

    @api.delete("/flows/{flow_id}/participants/{participant_id}")
    async def remove_participant(flow_id: int, participant_id: int) -> Response:
        flow = get_flow(store, flow_id, writable=True)
        get_participant(flow, participant_id)
        if flow.state != 0:
            raise ApiError(403, "participants cannot be removed from an activated flow", "FLOW_ACTIVATED")
        del flow.participants[participant_id]
        for assessor in flow.assessors.values():
            assessor.participant_ids = [i for i in assessor.participant_ids if i != participant_id]
        for group in flow.assessor_groups.values():
            group.participant_ids = [i for i in group.participant_ids if i != participant_id]
        return ok()

    @api.put("/flows/{flow_id}/participants/{participant_id}/activated")
    async def set_activated(flow_id: int, participant_id: int, body: Activated) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        get_participant(flow, participant_id).activated = body.activated
        return ok()

    @api.get("/flows/{flow_id}/participants/{participant_id}/dates")
    async def participant_dates(flow_id: int, participant_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id)
        return ok(_dates_json(flow, get_participant(flow, participant_id)))

    @api.patch("/flows/{flow_id}/participants/dates")
    async def bulk_dates(flow_id: int, body: BulkDates) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        done, errors = [], []
        for item in body.participants:
            if item.id not in flow.participants:
                errors.append({"id": item.id, "error": "PARTICIPANT_NOT_FOUND"})
                continue
            _set_dates(flow, flow.participants[item.id], item)
            done.append({"id": item.id, **_dates_json(flow, flow.participants[item.id])})
        return ok({"participants": done, "errors": errors})

    @api.patch("/flows/{flow_id}/participants/{participant_id}/dates")
    async def patch_dates(flow_id: int, participant_id: int, body: ParticipantDates) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        participant = get_participant(flow, participant_id)
        _set_dates(flow, participant, body)
        return ok(_dates_json(flow, participant))

    @api.get("/flows/{flow_id}/participants/{participant_id}/allocations")
    async def participant_allocations(flow_id: int, participant_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id)
        data = participant_json(store, flow, get_participant(flow, participant_id))
        return ok({"assessorIds": data["assessorIds"], "reviewerIds": []})

    return api


def legacy_failure(
    store: Store, user_data: LegacyUserData | None, email: str | None, on_flow: set[int], prefix: str = "AP"
) -> tuple[str | None, str, User | None]:
    """The legacy add endpoints' ``{prefix}00x`` code for an item that cannot be added, or the user.

    ``on_flow`` holds the userIds already in the role on the flow (participants or assessors).
    """
    if user_data is None and email is None:
        return f"{prefix}006", "neither email nor userData given", None
    if user_data is not None and user_data.userDataTypeId not in USER_DATA_TYPES:
        return f"{prefix}005", "userDataTypeId is not on the licence", None
    if user_data is None and email is not None and len(store.users_by_email(email)) > 1:
        return f"{prefix}003", "several users share the identifier", None
    data = (user_data.userDataTypeId, user_data.value) if user_data else None
    user = find_user(store, user_id=None, email=email, data=data)
    if user is None:
        return f"{prefix}001", "user not found", None
    if user.id in on_flow:
        return f"{prefix}002", "already on the flow in this role", None
    return None, "", user
