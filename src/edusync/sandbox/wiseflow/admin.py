"""``/_sandbox/...``: what a WISEflow user would do in the UI, and the sandbox's own controls.

- manual allocation: the manager's "Tildelt fra SIS" → manual switch (see :mod:`.assessors`);
- grades: assessors entering marks (see :mod:`.grades`);
- flow state: move a flow along its life (activated, concluded, archived …) without waiting;
- faults (mounted by :mod:`.app`): go down for N requests, or answer slowly (shared with the FS sandbox).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from edusync.sandbox.fs.faults import ADMIN_PREFIX
from edusync.sandbox.wiseflow.flows import get_flow
from edusync.sandbox.wiseflow.grades import MarkBody, assessment_json, enter_marks
from edusync.sandbox.wiseflow.state import STATES, Store


class StateBody(BaseModel):
    state: int = Field(ge=0, le=len(STATES) - 1)


def router(store: Store) -> APIRouter:
    admin = APIRouter(prefix=ADMIN_PREFIX, tags=["sandbox"])

    @admin.get("/flows/{flow_id}/manual-allocation")
    async def read_manual(flow_id: int) -> dict[str, Any]:
        flow = get_flow(store, flow_id)
        return {"flowId": flow.id, "manualAllocation": flow.manual_allocation}

    @admin.put("/flows/{flow_id}/manual-allocation")
    async def set_manual(flow_id: int, manual: Annotated[bool, Body()]) -> dict[str, Any]:
        flow = get_flow(store, flow_id)
        flow.manual_allocation = manual
        return {"flowId": flow.id, "manualAllocation": flow.manual_allocation}

    @admin.get("/flows/{flow_id}/grades")
    async def read_grades(flow_id: int) -> list[dict[str, Any]]:
        flow = get_flow(store, flow_id)
        return [assessment_json(flow, pid) for pid in flow.marks]

    @admin.post("/flows/{flow_id}/grades")
    async def enter_grades(flow_id: int, marks: list[MarkBody]) -> list[dict[str, Any]]:
        return enter_marks(store, get_flow(store, flow_id), marks)

    @admin.delete("/flows/{flow_id}/grades")
    async def clear_grades(flow_id: int) -> dict[str, Any]:
        flow = get_flow(store, flow_id)
        flow.marks.clear()
        return {"flowId": flow.id, "grades": 0}

    @admin.put("/flows/{flow_id}/state")
    async def set_state(flow_id: int, body: StateBody) -> dict[str, Any]:
        flow = get_flow(store, flow_id)
        flow.state = body.state
        return {"flowId": flow.id, "state": flow.state, "name": STATES[flow.state]}

    @admin.get("/summary")
    async def summary() -> dict[str, Any]:
        return {
            "users": len(store.users),
            "rooms": len(store.rooms),
            "flows": [
                {
                    "flowId": f.id,
                    "title": f.title,
                    "state": STATES[f.state],
                    "participants": len(f.participants),
                    "assessors": len(f.assessors),
                    "assessorGroups": len(f.assessor_groups),
                    "grades": len(f.marks),
                    "manualAllocation": f.manual_allocation,
                }
                for f in store.flows.values()
            ],
        }

    return admin
