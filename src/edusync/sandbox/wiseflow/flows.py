"""Flow routes: create, read, update (metadata and dates), activate, search, external sources.

Paths, payload fields and the legacy/modern split follow WISEflow's OpenAPI 1.34.0. Flow
external sources are what an integrator like edusync uses to tag a flow with its source key (the
FS exam id), so that ``/flows/search`` can find the flow again on the next run.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from edusync.sandbox.wiseflow.envelope import ApiError, ok, paginate
from edusync.sandbox.wiseflow.state import (
    ARCHIVED,
    FLOW_TYPES,
    PURPOSES,
    STATES,
    VARIANTS,
    ExternalSource,
    Flow,
    Store,
    now,
)


class CreateFlow(BaseModel):
    title: str = Field(min_length=1)
    subTitle: str | None = None
    type: int
    managers: list[int] = Field(min_length=1)


class Period(BaseModel):
    start: int | None = None
    end: int | None = None


class DatesPatch(BaseModel):
    participation: Period | None = None
    marking: Period | None = None


class Metadata(BaseModel):
    title: str = Field(min_length=1)
    subtitle: str | None = None
    code: str | None = None
    term: str | None = None
    examinationType: Literal["ORDINARY", "REEXAMINATION", "REMARKING"]
    purpose: Literal["EXAMINATION", "COURSE_WORK", "BACHELOR", "MASTER"]


class NewExternalSource(BaseModel):
    reference: str = Field(min_length=1)
    description: str | None = None


def get_flow(store: Store, flow_id: int, *, bare: bool = False, writable: bool = False) -> Flow:
    """The flow, or 404 (bodiless on legacy routes); ``writable`` also refuses archived flows (403)."""
    flow = store.flows.get(flow_id)
    if flow is None:
        raise ApiError(404, f"flow {flow_id} not found", "FLOW_NOT_FOUND", bare=bare)
    if writable and flow.state == ARCHIVED:
        raise ApiError(403, "the flow is archived", "FLOW_ARCHIVED", bare=bare)
    return flow


def dates_json(flow: Flow) -> dict[str, Any]:
    people = flow.participants.values()
    starts = [s for s in (flow.participation[0], *(p.start for p in people)) if s is not None]
    ends = [e for e in (flow.participation[1], *(p.end for p in people)) if e is not None]
    marks = [e for e in (flow.marking[1], *(p.marking_end for p in people)) if e is not None]
    return {
        "participation": {
            "start": flow.participation[0],
            "end": flow.participation[1],
            "earliestIndividualStart": min(starts, default=None),
            "latestIndividualEnd": max(ends, default=None),
        },
        "marking": {
            "start": flow.marking[0],
            "end": flow.marking[1],
            "earliestIndividualEnd": min(marks, default=None),
            "latestIndividualEnd": max(marks, default=None),
        },
    }


def metadata_json(flow: Flow) -> dict[str, Any]:
    return {
        "title": flow.title,
        "subtitle": flow.subtitle,
        "code": flow.code,
        "term": flow.term,
        "examinationType": VARIANTS[flow.variant],
        "purpose": PURPOSES[flow.purpose],
    }


def _basic_flow(flow: Flow) -> dict[str, Any]:
    return {
        "id": flow.id,
        "name": flow.title,
        "subName": flow.subtitle,
        "creationDate": flow.created,
        "type": FLOW_TYPES[flow.type_id][1],
        "state": flow.state,
        "variant": flow.variant,
        "purpose": flow.purpose,
        # Required integers in the spec: a date not set yet reads 0.
        "participantStartDate": flow.participation[0] or 0,
        "participantEndDate": flow.participation[1] or 0,
        "assessorStartDate": flow.marking[0] or 0,
        "assessorEndDate": flow.marking[1] or 0,
    }


def _search_item(flow: Flow) -> dict[str, Any]:
    return {
        "flowId": flow.id,
        "title": flow.title,
        "subtitle": flow.subtitle,
        "externalSourceReferences": [s.reference for s in flow.external_sources.values()],
        "createdAt": flow.created,
        "type": FLOW_TYPES[flow.type_id][0],
        "state": STATES[flow.state],
        "variant": VARIANTS[flow.variant],
        "purpose": PURPOSES[flow.purpose],
        "participation": {"start": flow.participation[0], "end": flow.participation[1]},
        "marking": {"start": flow.marking[0], "end": flow.marking[1]},
    }


def _matches(flow: Flow, query: dict[str, Any]) -> bool:
    meta = query.get("metadata") or {}

    def contains(value: str | None, wanted: str | None) -> bool:
        return wanted is None or (value is not None and wanted.lower() in value.lower())

    refs = {s.reference for s in flow.external_sources.values()}
    checks = [
        contains(flow.title, meta.get("title")),
        contains(flow.subtitle, meta.get("subtitle")),
        meta.get("externalSourceReference") in (None, *refs),
        meta.get("code") in (None, flow.code),
        meta.get("term") in (None, flow.term),
        not meta.get("states") or STATES[flow.state] in meta["states"],
        not meta.get("purposes") or PURPOSES[flow.purpose] in meta["purposes"],
    ]
    return all(checks)


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.get("/license/flow-types")
    async def flow_types() -> JSONResponse:
        return ok([{"id": i, "name": n, "description": d} for i, (n, _bit, d) in FLOW_TYPES.items()])

    @api.post("/license/create/flow", status_code=201)
    async def create_flow(body: CreateFlow) -> dict[str, int]:
        if body.type not in FLOW_TYPES:
            raise ApiError(400, f"unknown flow type {body.type}; see /license/flow-types", "INVALID_FLOW_TYPE")
        unknown = [m for m in body.managers if m not in store.users]
        if unknown:
            raise ApiError(400, f"unknown manager userId(s) {unknown}", "USER_NOT_FOUND")
        flow = Flow(store.next_id("flow"), body.title, body.subTitle, body.type, list(body.managers), now())
        store.flows[flow.id] = flow
        return {"flowId": flow.id}

    @api.get("/flow/{flow_id}")
    async def basic_flow(flow_id: int) -> dict[str, Any]:
        return _basic_flow(get_flow(store, flow_id, bare=True))

    @api.get("/flows/{flow_id}/dates")
    async def read_dates(flow_id: int) -> JSONResponse:
        return ok(dates_json(get_flow(store, flow_id)))

    @api.patch("/flows/{flow_id}/dates")
    async def patch_dates(flow_id: int, body: DatesPatch) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        sent = body.model_dump(exclude_unset=True)
        if not any(sent.values()):
            raise ApiError(400, "no date given", "NO_DATES")
        for name in ("participation", "marking"):
            period = sent.get(name) or {}
            target = getattr(flow, name)
            for index, key in enumerate(("start", "end")):
                if key in period:
                    target[index] = period[key]
            if target[0] is not None and target[1] is not None and target[0] > target[1]:
                raise ApiError(400, f"{name} starts after it ends", "INVALID_DATES")
        return ok(dates_json(flow))

    @api.get("/flows/{flow_id}/metadata")
    async def read_metadata(flow_id: int) -> JSONResponse:
        return ok(metadata_json(get_flow(store, flow_id)))

    @api.put("/flows/{flow_id}/metadata")
    async def put_metadata(flow_id: int, body: Metadata) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        flow.title, flow.subtitle, flow.code, flow.term = body.title, body.subtitle, body.code, body.term
        flow.variant, flow.purpose = VARIANTS.index(body.examinationType), PURPOSES.index(body.purpose)
        return ok(metadata_json(flow))

    @api.patch("/flows/{flow_id}/activate")
    async def activate(flow_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id)
        if flow.state != 0:
            raise ApiError(403, "only a flow that is not activated can be activated", "INVALID_STATE")
        flow.state = 1
        return ok()

    @api.post("/flows/search")
    async def search(
        body: Annotated[dict[str, Any] | None, Body()] = None, offset: int = 0, limit: int | None = None
    ) -> JSONResponse:
        found = [_search_item(f) for f in store.flows.values() if _matches(f, body or {})]
        items, page = paginate(found, offset, limit, 100, 100)
        return ok(items, pagination=page)

    @api.get("/flows/{flow_id}/external-sources")
    async def list_sources(flow_id: int) -> JSONResponse:
        return ok([_source_json(s) for s in get_flow(store, flow_id).external_sources.values()])

    @api.post("/flows/{flow_id}/external-sources")
    async def add_source(flow_id: int, body: NewExternalSource) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        if any(s.reference == body.reference for s in flow.external_sources.values()):
            raise ApiError(409, f"reference {body.reference!r} already on the flow", "ALREADY_EXISTS")
        stamp = dt.datetime.now(dt.UTC).isoformat()
        source = ExternalSource(store.next_id("other"), body.reference, body.description, stamp)
        flow.external_sources[source.id] = source
        return ok(_source_json(source))

    @api.delete("/flows/{flow_id}/external-sources/{source_id}")
    async def delete_source(flow_id: int, source_id: int) -> Response:
        flow = get_flow(store, flow_id, writable=True)
        if flow.external_sources.pop(source_id, None) is None:
            raise ApiError(404, f"external source {source_id} not found", "NOT_FOUND")
        return ok()

    return api


def _source_json(source: ExternalSource) -> dict[str, Any]:
    stamp = source.created_at
    return {
        "id": source.id,
        "reference": source.reference,
        "description": source.description,
        "createdAt": stamp,
        "updatedAt": stamp,
        "lastRequestedSync": None,
        "lastSync": None,
        "state": "NONE",
    }
