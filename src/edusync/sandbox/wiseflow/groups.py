"""Assessor groups (committees; FS's kommisjoner) and the flow's allocation type.

As in WISEflow, assessor groups exist only while the flow's allocation type is ``GROUPED``:
every group route answers 403 otherwise. A group is ``{title, assessorIds}`` when written and
``{id, title, assessorIds, participantIds}`` when read: there is no external id, so a client that
mirrors a SIS keeps its own mapping of the SIS's committees to group ids.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from edusync.sandbox.wiseflow.assessors import allocation_writable, check_participants, get_assessor
from edusync.sandbox.wiseflow.envelope import ApiError, ok
from edusync.sandbox.wiseflow.flows import get_flow
from edusync.sandbox.wiseflow.participants import get_participant
from edusync.sandbox.wiseflow.state import AssessorGroup, Flow, Store


class AllocationType(BaseModel):
    allocationType: Literal["SINGLE_ASSESSOR", "GROUPED"]


class GroupBody(BaseModel):
    title: str = Field(min_length=1)
    assessorIds: list[int]


class ParticipantIds(BaseModel):
    participantIds: list[int]


def _grouped(store: Store, flow_id: int) -> Flow:
    flow = get_flow(store, flow_id)
    if flow.allocation_type != "GROUPED":
        raise ApiError(403, "assessor groups need the GROUPED allocation type", "ALLOCATION_TYPE_NOT_GROUPED")
    return flow


def _group(flow: Flow, group_id: int) -> AssessorGroup:
    group = flow.assessor_groups.get(group_id)
    if group is None:
        raise ApiError(404, f"assessor group {group_id} not on flow {flow.id}", "ASSESSOR_GROUP_NOT_FOUND")
    return group


def _check_assessors(flow: Flow, ids: list[int]) -> None:
    if len(set(ids)) != len(ids):
        raise ApiError(400, "assessorIds has duplicates", "DUPLICATE_ASSESSORS")
    for assessor_id in ids:
        get_assessor(flow, assessor_id)


def _group_json(group: AssessorGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "title": group.title,
        "assessorIds": list(group.assessor_ids),
        "participantIds": list(group.participant_ids),
    }


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.get("/flows/{flow_id}/marking/assessor-allocation-type")
    async def read_type(flow_id: int) -> JSONResponse:
        return ok({"allocationType": get_flow(store, flow_id).allocation_type})

    @api.put("/flows/{flow_id}/marking/assessor-allocation-type")
    async def set_type(flow_id: int, body: AllocationType) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        if any(g.participant_ids for g in flow.assessor_groups.values()):
            raise ApiError(403, "assessor-group allocations exist", "HAS_GROUP_ALLOCATIONS")
        flow.allocation_type = body.allocationType
        return ok({"allocationType": flow.allocation_type})

    @api.get("/flows/{flow_id}/assessor-groups")
    async def list_groups(flow_id: int) -> JSONResponse:
        return ok([_group_json(g) for g in _grouped(store, flow_id).assessor_groups.values()])

    @api.post("/flows/{flow_id}/assessor-groups")
    async def create_group(flow_id: int, body: GroupBody) -> JSONResponse:
        flow = _grouped(store, flow_id)
        _check_assessors(flow, body.assessorIds)
        group = AssessorGroup(store.next_id("group"), body.title, list(body.assessorIds))
        flow.assessor_groups[group.id] = group
        return ok({"id": group.id, "title": group.title, "assessorIds": group.assessor_ids})

    @api.get("/flows/{flow_id}/assessor-groups/{group_id}")
    async def read_group(flow_id: int, group_id: int) -> JSONResponse:
        return ok(_group_json(_group(_grouped(store, flow_id), group_id)))

    @api.put("/flows/{flow_id}/assessor-groups/{group_id}")
    async def update_group(flow_id: int, group_id: int, body: GroupBody) -> JSONResponse:
        flow = _grouped(store, flow_id)
        group = _group(flow, group_id)
        _check_assessors(flow, body.assessorIds)
        group.title, group.assessor_ids = body.title, list(body.assessorIds)
        return ok()

    @api.delete("/flows/{flow_id}/assessor-groups/{group_id}")
    async def delete_group(flow_id: int, group_id: int) -> JSONResponse:
        flow = _grouped(store, flow_id)
        _group(flow, group_id)
        del flow.assessor_groups[group_id]
        return ok()

    @api.put("/flows/{flow_id}/assessor-groups/{group_id}/allocations/participants")
    async def set_group_participants(flow_id: int, group_id: int, body: ParticipantIds) -> JSONResponse:
        flow = _grouped(store, flow_id)
        group = _group(flow, group_id)
        allocation_writable(flow)
        check_participants(flow, body.participantIds)
        group.participant_ids = list(body.participantIds)
        return ok()

    @api.delete("/flows/{flow_id}/assessor-groups/{group_id}/allocations/participants")
    async def clear_group_participants(flow_id: int, group_id: int) -> JSONResponse:
        flow = _grouped(store, flow_id)
        group = _group(flow, group_id)
        allocation_writable(flow)
        group.participant_ids = []
        return ok()

    @api.post("/flows/{flow_id}/assessor-groups/{group_id}/allocations/participants/{participant_id}")
    async def add_group_participant(flow_id: int, group_id: int, participant_id: int) -> JSONResponse:
        flow = _grouped(store, flow_id)
        group = _group(flow, group_id)
        allocation_writable(flow)
        get_participant(flow, participant_id)
        if participant_id not in group.participant_ids:
            group.participant_ids.append(participant_id)
        return ok()

    @api.delete("/flows/{flow_id}/assessor-groups/{group_id}/allocations/participants/{participant_id}")
    async def remove_group_participant(flow_id: int, group_id: int, participant_id: int) -> JSONResponse:
        flow = _grouped(store, flow_id)
        group = _group(flow, group_id)
        allocation_writable(flow)
        group.participant_ids = [i for i in group.participant_ids if i != participant_id]
        return ok()

    @api.get("/flows/{flow_id}/assessors/groups")
    async def assessor_memberships(flow_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id)
        groups = flow.assessor_groups.values()
        return ok(
            [
                {"assessorId": a, "assessorGroupIds": [g.id for g in groups if a in g.assessor_ids]}
                for a in flow.assessors
            ]
        )

    @api.get("/flow/{flow_id}/assessorGroups")
    async def groups_legacy(flow_id: int) -> Response:
        flow = get_flow(store, flow_id, bare=True)
        items = []
        for g in flow.assessor_groups.values():
            items.append({"assessorGroupId": g.id, "name": g.title})
        return JSONResponse(items)

    return api
