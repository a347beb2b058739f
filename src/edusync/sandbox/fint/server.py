"""The FINT sandbox as a FastAPI app: HAL collections, identifier routes, deltas, writes.

``create_app(county, client_id=…, client_secret=…, username=…, password=…)`` serves:

* ``GET /{domain}/{package}/{class}`` — the collection; ``?sinceTimeStamp=<millis>``
  gives the delta, ``?size=&offset=`` one page (``total_items`` stays the cache size);
* ``GET …/{class}/{identifier}/{value}`` — one object (``systemid``, ``feidenavn`` …);
* ``GET …/{class}/last-updated`` and ``…/{class}/cache/size``;
* ``PUT …/elev/systemid/{id}`` and ``…/skoleressurs/systemid/{id}`` — async
  feidenavn write-back, polled at ``GET …/{class}/status/{id}``;
* ``POST /nidp/oauth/nam/token`` — the password-grant token endpoint;
* ``/_sandbox/…`` — the admin API (see :mod:`.admin`).

Every FINT route but the token endpoint needs a valid bearer token.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response, StreamingResponse

from edusync.sandbox.fint.admin import admin_router
from edusync.sandbox.fint.auth import Credentials, Tokens, token_router
from edusync.sandbox.fint.catalog import BY_PATH, View
from edusync.sandbox.fint.county import County
from edusync.sandbox.fint.faults import Faults
from edusync.sandbox.fint.hal import ELEV, SKOLERESSURS
from edusync.sandbox.fint.serialise import DEFAULT_CACHE_BYTES, Pages
from edusync.sandbox.fint.writes import Writes

JSON = "application/json;charset=UTF-8"
WRITABLE = frozenset({ELEV, SKOLERESSURS})
#: Marks an answer the sandbox breaks on purpose (a fault the tests asked for): no FINT would send it.
FAULT_HEADER = "x-sandbox-fault"
#: Collections with more entries than this are streamed rather than built in one piece.
STREAM_OVER = 4096


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=JSON, headers=headers)


class _MaskFnr(logging.Filter):
    """Masks 11-digit numbers in uvicorn's access log: a person URL holds a fødselsnummer."""

    _fnr = re.compile(r"(?<!\d)(\d{6})\d{5}(?!\d)")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._fnr.sub(r"\1*****", a) if isinstance(a, str) else a for a in record.args)
        return True


class _FaultGate:
    """ASGI middleware for the request-level faults (fail, delay); admin routes are exempt."""

    def __init__(self, app: Callable[..., Any], faults: Faults) -> None:
        self.app, self.faults = app, faults
        self._masked = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if not self._masked:  # uvicorn has set up its loggers by the first request
                access = logging.getLogger("uvicorn.access")
                if not any(isinstance(f, _MaskFnr) for f in access.filters):
                    access.addFilter(_MaskFnr())
                self._masked = True
            path = scope["path"]
            if not path.startswith("/_sandbox"):
                delay = self.faults.take_delay(path)
                if delay:
                    await asyncio.sleep(delay)
                status = self.faults.take_failure(path)
                if status:
                    answer = _json({"message": "injected failure"}, status, {FAULT_HEADER: "fail"})
                    await answer(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def create_app(
    county: County,
    *,
    client_id: str,
    client_secret: str,
    username: str,
    password: str,
    base_url_override: str | None = None,
    token_lifetime: float = 3600.0,
    pending_polls: int = 1,
    cache_bytes: int = DEFAULT_CACHE_BYTES,
) -> FastAPI:
    """A FINT API over ``county``; links use ``base_url_override`` or the request's own base URL."""
    tokens = Tokens(Credentials(client_id, client_secret, username, password), token_lifetime)
    faults = Faults()
    pages = Pages(county, max_bytes=cache_bytes)
    writes = Writes(county, pending_polls=pending_polls)
    app = FastAPI(title="edusync FINT sandbox", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.county, app.state.faults, app.state.tokens, app.state.writes = county, faults, tokens, writes
    app.state.system = "fint"  # the conformance ledger holds every exchange to FINT's consumer API
    app.add_middleware(_FaultGate, faults=faults)

    def base(request: Request) -> str:
        return (base_url_override or str(request.base_url)).rstrip("/")

    app.include_router(admin_router(county, faults=faults, tokens=tokens, writes=writes, pages=pages, base=base))
    app.include_router(token_router(tokens))
    app.include_router(_resources(county, faults, tokens, pages, writes, base))
    return app


def _resources(
    county: County, faults: Faults, tokens: Tokens, pages: Pages, writes: Writes, base: Callable[[Request], str]
) -> APIRouter:
    router = APIRouter()

    def unauthorised(request: Request) -> Response | None:
        if tokens.valid(request.headers.get("authorization")):
            return None
        return _json(
            {"message": "missing, invalid or expired token"},
            401,
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )

    def gate(request: Request, view: View | None) -> Response | None:
        """401 without a valid token, 404 for an unknown class, 403 for a forbidden one."""
        if (denied := unauthorised(request)) is not None:
            return denied
        if view is None:
            return _json({"message": "no such FINT class"}, 404)
        if view.path in faults.forbidden:
            return _json({"message": f"the client has no access to {view.path}"}, 403)
        return None

    @router.get("/{domain}/{package}/{cls}/status/{job_id}")
    def status(domain: str, package: str, cls: str, job_id: str, request: Request) -> Response:
        """A write's status, as FINT's consumer answers it (fint-core-consumer ``ResourceController``)."""
        view = BY_PATH.get(f"/{domain}/{package}/{cls}")
        if (denied := gate(request, view)) is not None or view is None:
            return denied or _json({}, 404)
        job = writes.poll(job_id)
        if job is None or job.view.path != view.path:
            return Response(status_code=410)  # unknown or expired: the status is gone, not the resource
        if job.status is None:
            return Response(status_code=202)
        if job.status == 201:
            body = orjson.loads(pages.one(job.view, base(request), job.pos))
            location = body["_links"]["self"][0]["href"]
            return _json(body, 201, {"Location": location})
        if job.status == 409 and job.conflict is not None:
            other_view, other_pos = job.conflict
            return Response(pages.one(other_view, base(request), other_pos), 409, media_type=JSON)
        return _json({"corrId": job_id, "message": job.message}, job.status)

    @router.get("/{domain}/{package}/admin/health")
    def health(domain: str, package: str, request: Request) -> Response:
        if (denied := unauthorised(request)) is not None:
            return denied
        return _json({"status": "APPLICATION_HEALTHY", "component": f"/{domain}/{package}"})

    @router.get("/{domain}/{package}/{cls}")
    def collection(domain: str, package: str, cls: str, request: Request) -> Response:
        view = BY_PATH.get(f"/{domain}/{package}/{cls}")
        if (denied := gate(request, view)) is not None or view is None:
            return denied or _json({}, 404)
        try:
            query = request.query_params
            # As FINT's consumer: each defaults to 0, which means no filter and no paging.
            since = int(query.get("sinceTimeStamp", 0))
            size = int(query.get("size", 0))
            offset = int(query.get("offset", 0)) if size > 0 else 0
            if size < 0 or offset < 0:
                raise ValueError
        except ValueError:
            return _json({"message": "sinceTimeStamp, size and offset must be non-negative integers"}, 400)
        with county.lock:
            positions = view.table(county).since(since) if since > 0 else None
        if view.path in faults.emptied:
            positions = []
        pieces = pages.envelope(view, base(request), since=since, positions=positions, offset=offset, size=size)
        if faults.take_truncate(view.path):
            body = b"".join(pieces)
            return Response(body[: len(body) // 2], media_type=JSON, headers={FAULT_HEADER: "truncated"})
        count = len(view.table(county)) if positions is None else len(positions)
        if min(count - offset, size if size > 0 else count) > STREAM_OVER:
            return StreamingResponse(pieces, media_type=JSON)
        return Response(b"".join(pieces), media_type=JSON)

    @router.get("/{domain}/{package}/{cls}/last-updated")
    def last_updated(domain: str, package: str, cls: str, request: Request) -> Response:
        view = BY_PATH.get(f"/{domain}/{package}/{cls}")
        if (denied := gate(request, view)) is not None or view is None:
            return denied or _json({}, 404)
        with county.lock:
            return _json({"lastUpdated": str(view.table(county).last_updated())})

    @router.get("/{domain}/{package}/{cls}/{field}/{value}")
    def one(domain: str, package: str, cls: str, field: str, value: str, request: Request) -> Response:
        view = BY_PATH.get(f"/{domain}/{package}/{cls}")
        if (denied := gate(request, view)) is not None or view is None:
            return denied or _json({}, 404)
        if field == "cache" and value == "size":
            return _json({"size": len(view.table(county))})
        with county.lock:
            pos = None if faults.is_missing(view.path, field, value) else view.find(county, field, value)
        if pos is None:  # the message names the field, never the value (it may be a fødselsnummer)
            return _json({"message": f"no {view.name} with that {field.lower()}"}, 404)
        return Response(pages.one(view, base(request), pos), media_type=JSON)

    @router.put("/{domain}/{package}/{cls}/{field}/{value}")
    async def put(domain: str, package: str, cls: str, field: str, value: str, request: Request) -> Response:
        view = BY_PATH.get(f"/{domain}/{package}/{cls}")
        if (denied := gate(request, view)) is not None or view is None:
            return denied or _json({}, 404)
        if view.path not in WRITABLE:
            return _json({"message": "the sandbox accepts writes of elev and skoleressurs only"}, 405)
        with county.lock:  # any identifier addresses the resource (FINT's updating.md)
            pos = view.find(county, field, value)
        if pos is None:
            return _json({"message": f"no {view.name} with that {field.lower()}"}, 404)
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _json({"message": "the body is not JSON"}, 400)
        job_id = writes.submit(view, pos, body)
        return Response(status_code=202, headers={"Location": f"{base(request)}{view.path}/status/{job_id}"})

    return router
