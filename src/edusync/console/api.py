"""The REST API under ``/api/v1``: runs, approvals, objects, the trash, targets, forecasts and the audit log.

Every list takes ``limit`` (1–500) and ``cursor`` (the ``next_cursor`` of the page before); every
error is ``application/problem+json``. Callers sign in (the console's session cookie, then with
``X-CSRF-Token`` on changes) or send a bearer token with a ``console:*`` scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from edusync import __version__
from edusync.config.console import ConsoleConfig
from edusync.config.loader import LoadedConfig
from edusync.console import admin, problems
from edusync.console.auth import Principal, may_search_national_ids, needs
from edusync.console.runner import RunWorker
from edusync.services import browse, explain, forecast, national_ids, people, review, targets, trash
from edusync.services.changes import csv_rows
from edusync.storage import Database

Json = dict[str, Any]
Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page (at most 500).")]
Cursor = Annotated[str | None, Query(max_length=200, description="The next_cursor of the page before.")]
Reader = Annotated[Principal, needs("read")]
Operator = Annotated[Principal, needs("operate")]
Approver = Annotated[Principal, needs("approve")]
ObjectType = Literal["person", "group", "organisation", "membership"]
MAX_ID = 2**31 - 1  # the database's integer
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]
CsId = Annotated[int, Path(ge=1, le=MAX_ID)]
Key = Annotated[str, Path(max_length=255)]
Name = Annotated[str, Path(max_length=64)]


class PageOut(BaseModel):
    """One page of a list; ``next_cursor`` is null on the last."""

    items: list[Json]
    next_cursor: str | None = None


class Approval(BaseModel):
    hash: str = Field(max_length=64, description="The change set's hash you reviewed: whole, or 12 characters.")
    reason: str = Field(max_length=2000, description="Why you let it through; kept in the audit log.")


class Rejection(BaseModel):
    reason: str = Field(max_length=2000, description="Why; kept in the audit log.")


class Decision(BaseModel):
    run_id: int
    decision: Literal["approved", "rejected"]
    by: str
    resuming: bool


class RestoreRequest(BaseModel):
    ids: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=500)


class NationalIdQuery(BaseModel):
    national_id: str = Field(
        min_length=11,
        max_length=12,
        description="A fødselsnummer or D-nummer (11 digits); matched through the join keys' keyed hash, never "
        "echoed, audited masked. Only for the roles console.national_id_search_roles names.",
    )
    limit: int = Field(50, ge=1, le=500, description="Persons at most.")


class RetryOut(BaseModel):
    target: str
    profile: str
    started: bool


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _loaded(request: Request) -> LoadedConfig:
    loaded: LoadedConfig = request.app.state.loaded
    return loaded


def _page(page: Any) -> Json:
    out: Json = page.as_dict()
    return out


def routes() -> APIRouter:
    r = APIRouter(responses=problems.RESPONSES)

    @r.get("/me", summary="Who is asking and what they may do")
    def me(who: Reader) -> Json:
        return {"name": who.name, "via": who.via, "roles": list(who.roles), "permissions": sorted(who.permissions)}

    @r.get("/runs", summary="Runs, newest first", response_model=PageOut)
    def list_runs(
        request: Request,
        who: Reader,
        limit: Limit = 50,
        cursor: Cursor = None,
        profile: Annotated[str | None, Query(max_length=64)] = None,
        status: Annotated[str | None, Query(max_length=16)] = None,
        since: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD")] = None,
        until: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD")] = None,
    ) -> Json:
        page = browse.list_runs(
            _db(request), profile=profile, status=status, since=since, until=until, limit=limit, cursor=cursor
        )
        return _page(page)

    @r.get("/runs/{run_id}", summary="One run's report, change sets and audit trail")
    def get_run(request: Request, who: Reader, run_id: RunId) -> Json:
        return browse.get_run(_db(request), run_id)

    @r.get("/runs/{run_id}/steps", summary="The run's steps and how long each took")
    def run_steps(request: Request, who: Reader, run_id: RunId) -> list[Json]:
        return browse.steps(_db(request), run_id)

    @r.get("/runs/{run_id}/messages", summary="The run's warnings and errors")
    def run_messages(request: Request, who: Reader, run_id: RunId) -> Json:
        run = browse.get_run(_db(request), run_id)
        return {"errors": run["errors"], "warnings": run["warnings"], "recovered": run["recovered"]}

    @r.get("/runs/{run_id}/audit", summary="Who decided what about the run")
    def run_audit(request: Request, who: Reader, run_id: RunId, limit: Limit = 50, cursor: Cursor = None) -> PageOut:
        browse.get_run(_db(request), run_id)
        return PageOut(**_page(browse.list_audit(_db(request), run_id=run_id, limit=limit, cursor=cursor)))

    @r.get("/runs/{run_id}/review", summary="A blocked run: why, its changes by school and type, samples")
    def run_review(request: Request, who: Reader, run_id: RunId) -> Json:
        return review.review(_db(request), run_id)

    @r.get("/runs/{run_id}/change-sets/{cs_id}/changes", summary="A change set's changes, in order")
    def changes(
        request: Request,
        who: Reader,
        run_id: RunId,
        cs_id: CsId,
        limit: Limit = 50,
        cursor: Cursor = None,
        object_type: Annotated[str | None, Query(max_length=64)] = None,
        op: Literal["add", "update", "delete"] | None = None,
        status: Annotated[str | None, Query(max_length=16)] = None,
    ) -> PageOut:
        page = browse.list_changes(
            _db(request), run_id, cs_id, object_type=object_type, op=op, status=status, limit=limit, cursor=cursor
        )
        return PageOut(items=page.items, next_cursor=page.next_cursor)

    @r.get(
        "/runs/{run_id}/change-sets/{cs_id}/changes.csv",
        summary="The whole change set as CSV",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/csv": {}}}},
    )
    def changes_csv(request: Request, who: Reader, run_id: RunId, cs_id: CsId) -> StreamingResponse:
        db = _db(request)
        browse.list_changes(db, run_id, cs_id, limit=1)  # 404 before the stream starts
        name = f"run-{run_id}-change-set-{cs_id}.csv"
        return StreamingResponse(
            csv_rows(browse.iter_changes(db, run_id, cs_id)),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @r.post("/runs/{run_id}/approve", summary="Approve a blocked change set (bound to its hash)", status_code=202)
    def approve(request: Request, who: Approver, run_id: RunId, body: Approval) -> Decision:
        config: ConsoleConfig = request.app.state.console
        review.approve(_db(request), run_id, who.name, body.hash, body.reason, four_eyes=config.four_eyes)
        worker: RunWorker = request.app.state.worker
        resuming = worker.can_run
        if resuming:
            worker.resume(run_id, who.name)
        return Decision(run_id=run_id, decision="approved", by=who.name, resuming=resuming)

    @r.post("/runs/{run_id}/reject", summary="Reject a blocked change set: nothing of it is sent")
    def reject(request: Request, who: Approver, run_id: RunId, body: Rejection) -> Decision:
        review.reject(_db(request), run_id, who.name, body.reason)
        return Decision(run_id=run_id, decision="rejected", by=who.name, resuming=False)

    @r.get("/objects", summary="Search persons and groups", response_model=PageOut)
    def search(
        request: Request,
        who: Reader,
        q: Annotated[str, Query(max_length=200, description="Id, anchor, or part of a name or Feide name")] = "",
        type: ObjectType | None = None,
        school: Annotated[str | None, Query(max_length=64, description="A school's metaverse id")] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Json:
        if national_ids.national_id_in(q):
            # Not in a URL, where proxies and browsers keep it: the body of POST /objects/by-national-id.
            may_search_national_ids(request, who, q)
            raise problems.ApiProblem(400, "send a national id in the body of POST /objects/by-national-id")
        config = _loaded(request).config
        page = people.search(
            _db(request), q, object_type=type, school=school, limit=limit, cursor=cursor, config=config
        )
        return _page(page)

    @r.post("/objects/by-national-id", summary="Find persons by fødselsnummer (roles allowed only)")
    def by_national_id(request: Request, who: Reader, body: NationalIdQuery) -> PageOut:
        may_search_national_ids(request, who, body.national_id)
        page = national_ids.search(_db(request), _loaded(request).config, body.national_id, who.name, limit=body.limit)
        return PageOut(items=page.items, next_cursor=None)

    @r.get("/objects/{object_type}/{key}", summary="One object: attributes, lineage, state, targets, history")
    def get_object(request: Request, who: Reader, object_type: ObjectType, key: Key) -> Json:
        return people.person_page(_db(request), _loaded(request).config, object_type, key)

    @r.get(
        "/objects/{object_type}/{key}/explain",
        summary="Why the object is (not) in each target: source records and criteria, lifecycle, scope, changes",
        description="KEY is any identifier the object has (not a national id: find the person by it first). "
        "An object the metaverse lacks is looked for in the connector space (``found`` is false). "
        "``source=true`` also asks each FINT source which VIGO-BAS criteria the person meets (a full read).",
    )
    def explain_object(
        request: Request,
        who: Reader,
        object_type: Literal["person", "group", "membership"],
        key: Key,
        target: Annotated[str | None, Query(max_length=64, description="Only this target")] = None,
        source: Annotated[bool, Query(description="Ask the FINT source too (a full read)")] = False,
    ) -> Json:
        if national_ids.national_id_in(key):
            may_search_national_ids(request, who, key)
            raise problems.ApiProblem(400, "a national id does not belong in a URL: find the person by it first")
        loaded = _loaded(request)
        return explain.explain(
            _db(request), loaded, object_type, key, target=target, read_source=source, actor=who.name
        )

    @r.get("/objects/{object_type}/{key}/history", summary="Every run that changed the object, and how")
    def object_history(request: Request, who: Reader, object_type: ObjectType, key: Key) -> list[Json]:
        obj = people.person_page(_db(request), _loaded(request).config, object_type, key)
        history: list[Json] = obj["history"]
        return history

    @r.get("/trash", summary="Objects in grace or in the trash", response_model=PageOut)
    def list_trash(
        request: Request,
        who: Reader,
        type: ObjectType | None = None,
        state: Literal["grace", "disabled"] | None = None,
        school: Annotated[str | None, Query(max_length=64)] = None,
        since: Annotated[str | None, Query(max_length=32)] = None,
        q: Annotated[str | None, Query(max_length=200)] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Json:
        where = trash.TrashFilter(object_type=type, state=state, school=school, since=since, text=q)
        page = trash.list_trash(_db(request), where, limit=limit, cursor=cursor)
        return _page(page)

    @r.post("/trash/restore", summary="Restore one or many objects; the next run provisions them")
    def restore(request: Request, who: Operator, body: RestoreRequest) -> Json:
        return trash.restore_many(_db(request), body.ids, who.name)

    @r.get("/targets", summary="Each target: what it holds, its last export, its failed changes")
    def list_targets(request: Request, who: Reader) -> list[Json]:
        return targets.overview(_db(request), _loaded(request).config)

    @r.get("/targets/{name}/failures", summary="The target's changes that failed, with the reason")
    def failures(
        request: Request,
        who: Reader,
        name: Name,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> PageOut:
        page = targets.failures(_db(request), _loaded(request).config, name, limit=limit, cursor=cursor)
        return PageOut(items=page.items, next_cursor=page.next_cursor)

    @r.post("/targets/{name}/retry", summary="Send the target's failed changes again (a run)", status_code=202)
    def retry(request: Request, who: Operator, name: Name) -> RetryOut:
        worker: RunWorker = request.app.state.worker
        profile = targets.record_retry(_db(request), _loaded(request).config, name, who.name)
        if worker.can_run:
            worker.start(profile, who.name)
        return RetryOut(target=name, profile=profile, started=worker.can_run)

    @r.get("/forecast", summary="What a run on a day would change with no new source data (nothing stored or sent)")
    def get_forecast(
        request: Request,
        who: Reader,
        date: Annotated[dt.date, Query(description="The day of the run (YYYY-MM-DD).")],
        target: Annotated[list[str] | None, Query(max_length=20, description="Only these targets.")] = None,
    ) -> Json:
        return forecast.forecast_day(_loaded(request), _db(request), date, targets=target, actor=who.name)

    @r.get("/forecast/calendar", summary="Night by night: how many changes each run would bring, and the gate")
    def forecast_calendar(
        request: Request,
        who: Reader,
        start: Annotated[
            dt.date | None, Query(alias="from", description="The first night (default: tomorrow).")
        ] = None,
        end: Annotated[
            dt.date | None, Query(alias="to", description="The last night (default: four weeks on).")
        ] = None,
    ) -> Json:
        first, last = forecast.default_range(start, end)
        return forecast.calendar_nights(_loaded(request), _db(request), first, last, actor=who.name)

    @r.get("/audit", summary="The audit log, newest first", response_model=PageOut)
    def audit_log(
        request: Request,
        who: Reader,
        actor: Annotated[str | None, Query(max_length=128)] = None,
        action: Annotated[str | None, Query(max_length=32)] = None,
        run_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        since: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD")] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Json:
        page = browse.list_audit(
            _db(request), actor=actor, action=action, run_id=run_id, since=since, limit=limit, cursor=cursor
        )
        return _page(page)

    return r


def create_api(loaded: LoadedConfig, db: Database, worker: RunWorker) -> FastAPI:
    """The API as its own app, mounted at ``/api/v1`` (its OpenAPI at ``/api/v1/openapi.json``)."""
    api = FastAPI(
        title="edusync console API",
        version=__version__,
        description=__doc__,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    api.state.db, api.state.loaded, api.state.worker = db, loaded, worker
    api.state.console = loaded.config.console
    problems.install(api)
    api.include_router(routes())
    api.include_router(admin.routes())
    return api
