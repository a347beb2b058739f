"""The FS sandbox's REST API: an FS-like JSON API over one generated university.

The URL scheme follows the old FS-API's style (plural Norwegian resource names at the root,
HTTP Basic, composite keys in one path segment); the resources it does not document
(vurderingsenheter, resultater, kull …) are this sandbox's own design, described in
``docs/sandbox-fs.md``. Handlers are ``async`` so they all run on the event loop, one at a time:
the in-memory stores need no locks.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel

import edusync
from edusync.sandbox.fs import serialize as js
from edusync.sandbox.fs.faults import ADMIN_PREFIX, FaultMiddleware, FaultState, fault_router
from edusync.sandbox.fs.model import Exam, ExamKey, ExamKeyError, Kull, Studierett
from edusync.sandbox.fs.results import ResultStore
from edusync.sandbox.fs.university import University

Limit = Annotated[int, Query(ge=0, le=10_000, description="0 = all")]
Offset = Annotated[int, Query(ge=0)]
# Module level: FastAPI resolves the (postponed) annotations of dependencies from module globals.
Credentials = Annotated[HTTPBasicCredentials | None, Depends(HTTPBasic(realm="FS sandbox", auto_error=False))]


class ResultsRequest(BaseModel):
    """Rows are checked one by one (see :mod:`.results`), so they arrive as plain JSON values."""

    resultater: list[Any]


def _basic_auth(username: str, password: str) -> Any:
    async def check(credentials: Credentials) -> None:
        ok = credentials is not None
        if credentials is not None:
            # compare both even if the first differs, so timing does not tell which one was wrong
            user_ok = secrets.compare_digest(credentials.username.encode(), username.encode())
            pass_ok = secrets.compare_digest(credentials.password.encode(), password.encode())
            ok = user_ok and pass_ok
        if not ok:
            raise HTTPException(401, "valid HTTP Basic credentials required", {"WWW-Authenticate": "Basic"})

    return check


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, f"{what} not found")


def create_app(university: University, *, username: str, password: str) -> FastAPI:
    """An FS-like API over ``university``; every route but ``/version`` needs HTTP Basic auth."""
    app = FastAPI(title=f"FS sandbox: {university.navn}", version=edusync.__version__)
    faults = FaultState()
    app.add_middleware(FaultMiddleware, state=faults)
    auth = [Depends(_basic_auth(username, password))]
    api = APIRouter(dependencies=auth)
    store = ResultStore()

    def find_exam(key: str) -> Exam:
        try:
            exam = university.exam(ExamKey.parse(key))
        except ExamKeyError as exc:
            raise HTTPException(400, f"bad exam key: {exc}") from None
        if exam is None:
            raise _not_found(f"exam {key!r}")
        return exam

    @app.get("/version")
    async def version() -> dict[str, Any]:
        return {"version": edusync.__version__, "sandbox": "fs", "institusjonsnr": university.institusjonsnr}

    @api.get("/vurderingsenheter")
    async def list_exams(
        request: Request,
        arstall: int | None = None,
        terminkode: str | None = None,
        tid: str | None = None,
        emnekode: str | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        base = str(request.base_url)
        exams = [
            e
            for e in university.exams.values()
            if (arstall is None or e.key.arstall == arstall)
            and (terminkode is None or e.key.terminkode == terminkode.upper())
            and (tid is None or e.key.tid == " ".join(tid.upper().split()))
            and (emnekode is None or e.key.emnekode == emnekode.upper())
        ]
        return js.page([js.exam_summary(e, base) for e in exams], limit, offset)

    @api.get("/vurderingsenheter/{key}")
    async def get_exam(key: str, request: Request) -> dict[str, Any]:
        return js.exam_detail(find_exam(key), str(request.base_url))

    @api.get("/vurderingsenheter/{key}/resultater")
    async def list_results(key: str) -> dict[str, Any]:
        exam = find_exam(key)
        return {"examId": exam.key.id, "items": [r.as_json() for r in store.results(exam.key.id)]}

    @api.post("/vurderingsenheter/{key}/resultater")
    async def post_results(key: str, body: ResultsRequest) -> dict[str, Any]:
        exam = find_exam(key)
        rows = store.submit(exam, body.resultater)
        accepted = sum(1 for r in rows if r["status"] == "ACCEPTED")
        return {"examId": exam.key.id, "accepted": accepted, "rejected": len(rows) - accepted, "rows": rows}

    @api.get("/emner")
    async def list_emner(limit: Limit = 0, offset: Offset = 0) -> dict[str, Any]:
        items = [
            {
                "institusjonsnr": e.institusjonsnr,
                "emnekode": e.emnekode,
                "versjonskode": e.versjonskode,
                "emnetittel": e.emnetittel,
            }
            for e in university.emner
        ]
        return js.page(items, limit, offset)

    @api.get("/rom")
    async def list_rooms() -> dict[str, Any]:
        return js.page([js.room_json(r) for r in university.rooms], 0, 0)

    _add_programme_routes(api, university)
    app.include_router(api)

    admin = APIRouter(dependencies=auth)

    @admin.get(f"{ADMIN_PREFIX}/scenario")
    async def scenario() -> dict[str, Any]:
        return {"seed": university.seed, "size": university.size, **university.scenario.as_json()}

    admin.include_router(fault_router(faults))
    app.include_router(admin)
    return app


def _add_programme_routes(api: APIRouter, university: University) -> None:
    """Studieprogram, studieretning and kull, each with its members (for Feide groups)."""
    programmes = {p.kode: p for p in university.studieprogrammer}

    def members(match: list[Studierett], limit: int, offset: int) -> dict[str, Any]:
        return js.page([js.student_json(r) for r in match], limit, offset)

    @api.get("/studieprogrammer")
    async def list_programmes(request: Request) -> dict[str, Any]:
        base = str(request.base_url)
        return js.page([js.programme_json(p, base) for p in university.studieprogrammer], 0, 0)

    @api.get("/studieprogrammer/{kode}")
    async def get_programme(kode: str, request: Request) -> dict[str, Any]:
        if kode not in programmes:
            raise _not_found(f"studieprogram {kode!r}")
        return js.programme_json(programmes[kode], str(request.base_url))

    @api.get("/studieprogrammer/{kode}/studenter")
    async def programme_students(kode: str, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        if kode not in programmes:
            raise _not_found(f"studieprogram {kode!r}")
        return members([r for r in university.studieretter if r.studieprogramkode == kode], limit, offset)

    @api.get("/studieretninger/{key}/studenter")
    async def direction_students(key: str, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        programme, _, direction = key.partition(",")
        known = programme in programmes and any(r.kode == direction for r in programmes[programme].studieretninger)
        if not known:
            raise _not_found(f"studieretning {key!r} (expected studieprogramkode,studieretningkode)")
        match = [
            r for r in university.studieretter if (r.studieprogramkode, r.studieretningkode) == (programme, direction)
        ]
        return members(match, limit, offset)

    @api.get("/kull")
    async def list_kull(request: Request) -> dict[str, Any]:
        counts: dict[Kull, int] = {}
        for rett in university.studieretter:
            counts[rett.kull] = counts.get(rett.kull, 0) + 1
        base = str(request.base_url)
        return js.page([js.kull_json(k, counts[k], base) for k in university.kull()], 0, 0)

    @api.get("/kull/{key}/studenter")
    async def kull_students(key: str, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        match = [r for r in university.studieretter if r.kull.key == key.upper()]
        if not match:
            raise _not_found(f"kull {key!r} (expected studieprogramkode,arstall,terminkode)")
        return members(match, limit, offset)
