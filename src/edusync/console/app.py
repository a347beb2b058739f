"""The ASGI app ``edusync serve`` runs: the web UI, the REST API and the groups API, under a base path.

``/health`` answers whether the database can be read; every request is logged as one JSON line
on the ``edusync.access`` logger (method, path, status, milliseconds; never a query string, which
may hold a search for a person).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount

from edusync import __version__
from edusync.config.loader import LoadedConfig
from edusync.console.api import create_api
from edusync.console.problems import problem
from edusync.console.runner import RunWorker
from edusync.storage import Database

access_log = logging.getLogger("edusync.access")
log = logging.getLogger("edusync.console")


def session_secret(env: str) -> str:
    secret = os.environ.get(env)
    if secret:
        return secret
    log.warning("%s is not set: sessions are signed with a random key and end when the server stops", env)
    return secrets.token_urlsafe(32)


def create_app(
    loaded: LoadedConfig,
    db: Database,
    *,
    can_run: bool = True,
    groups_clock: Callable[[], dt.datetime] | None = None,
) -> Any:
    """The whole console for ``loaded``'s config over ``db``; ``can_run`` False: approvals are recorded but
    the run is resumed by the CLI (the server lacks the connectors' secrets)."""
    config = loaded.config.console
    db.serving_cache()  # a request reads little: no page cache of a sync's size in each of the server's threads
    worker = RunWorker(loaded if can_run else None, db)
    app = FastAPI(title="edusync", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db, app.state.loaded, app.state.worker, app.state.console = db, loaded, worker, config

    @app.get("/health", include_in_schema=False)
    def health() -> JSONResponse:
        from edusync.services import runs

        try:
            runs.list_runs(db, 1)
        except Exception:  # any failure to read the database is "unhealthy", with no detail to a stranger
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "version": __version__})

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # No route (or a method it lacks) outside the API's own: the same problem+json the API answers with.
        return problem(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    if config.api:
        app.mount("/api/v1", create_api(loaded, db, worker))
    if config.groups_api:
        from edusync.groupsapi.app import create_app as create_groups_app

        groups = create_groups_app(db, loaded.config.groups_api, groups_clock)
        app.mount("/groups", _GroupsPrefix(groups))
    if config.web:
        from edusync.console.web import install

        install(app, loaded, db, worker)

    @app.middleware("http")
    async def _access(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        who = request.scope.get("session", {}).get("user") if "session" in request.scope else None
        line = {
            "method": request.method,
            "path": request.url.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "user": who,
            "client": request.client.host if request.client else None,
        }
        access_log.info(orjson.dumps(line).decode())
        return response

    secure = bool(config.public_url and config.public_url.startswith("https://"))
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(config.secret_env),
        session_cookie="edusync_session",
        max_age=config.session_minutes * 60,
        path=config.base_path or "/",
        same_site="lax",
        https_only=secure,
    )
    app.router.on_shutdown.append(worker.close)
    if not config.base_path:
        return app
    return Starlette(routes=[Mount(config.base_path, app=app)])


class _GroupsPrefix:
    """The groups API's own routes start with ``/groups``: take the mount's ``/groups`` off the root path again."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = dict(scope)
            root = scope.get("root_path", "")
            scope["root_path"] = root[: -len("/groups")] if root.endswith("/groups") else root
        await self.app(scope, receive, send)
