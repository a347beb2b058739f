"""The Feide-compatible groups API over HTTP (FastAPI), as ``edusync serve`` runs it.

Paths are Feide's (``https://groups-api.dataporten.no/groups/...``), also under
``/groups/v1/``. Every route needs a bearer token with the ``groups-edu`` scope
(``edusync tokens create``): none, or one that is unknown, revoked or expired,
is 401 with ``WWW-Authenticate: Bearer``; a token without the scope is 403;
``/me`` with a token not bound to a user is 403. An unknown group is 404. Errors
are JSON: ``{"error": "...", "message": "..."}``. The OpenAPI document is at
``/openapi.json`` (``/docs`` renders it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from edusync import __version__
from edusync.config.groupsapi import GroupsApiConfig
from edusync.errors import NotFound, StorageError
from edusync.groupsapi.service import GroupsService
from edusync.model.fnr import mask_text
from edusync.services import tokens
from edusync.storage import Database

Json = dict[str, Any]
SCOPE = "groups-edu"
_bearer = HTTPBearer(auto_error=False, description="A token from `edusync tokens create --scope groups-edu`.")


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, challenge: str | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.challenge = status, error, message, challenge


MESSAGE_LIMIT = 400  # an error quotes what it must, never a caller's whole request back


def _json_error(status: int, error: str, message: str, challenge: str | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": challenge} if challenge else None
    message = mask_text(message)
    if len(message) > MESSAGE_LIMIT:
        message = message[:MESSAGE_LIMIT] + "…"
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


def _caller(request: Request, credentials: HTTPAuthorizationCredentials | None) -> tokens.Token:
    challenge = 'Bearer realm="edusync"'
    if credentials is None or not credentials.credentials.strip():
        raise ApiError(401, "unauthorized", "a bearer token is required (Authorization: Bearer …)", challenge)
    try:
        token = tokens.verify(request.app.state.db, credentials.credentials.strip())
    except tokens.TokenRefused as exc:
        raise ApiError(401, "invalid_token", str(exc), f'{challenge}, error="invalid_token"') from None
    if SCOPE not in token.scopes:
        detail = f'{challenge}, error="insufficient_scope", scope="{SCOPE}"'
        raise ApiError(403, "insufficient_scope", f"this token lacks the {SCOPE} scope", detail)
    return token


def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> tokens.Token:
    return _caller(request, credentials)


Caller = Annotated[tokens.Token, Depends(caller)]
ShowAll = Annotated[bool, Query(alias="showAll", description="Include expired and inactive memberships.")]


def _personal(token: tokens.Token) -> str:
    if token.user is None:
        raise ApiError(403, "personal_token_required", "This resource requires a personal token (tokens create --user)")
    return token.user


def _service(request: Request) -> GroupsService:
    service: GroupsService = request.app.state.service
    return service


def _routes() -> APIRouter:
    router = APIRouter()

    @router.get("/me/groups", summary="The user's groups, each with the user's membership")
    def my_groups(request: Request, token: Caller, show_all: ShowAll = False) -> list[Json]:
        return _service(request).my_groups(_personal(token), show_all)

    @router.get("/me/groups/{groupid:path}", summary="The user's membership of one group")
    def my_membership(request: Request, token: Caller, groupid: str) -> Json:
        return _service(request).my_membership(_personal(token), groupid)

    @router.get("/groups/{groupid:path}/members", summary="The members of one group")
    def members(request: Request, token: Caller, groupid: str, show_all: ShowAll = False) -> list[Json]:
        with_ids = "groups-memberids" in token.scopes
        return _service(request).members(groupid, token.user, show_all, with_ids)

    @router.get("/groups/{groupid:path}", summary="One group")
    def group(request: Request, token: Caller, groupid: str) -> Json:
        return _service(request).group(groupid, token.user)

    @router.get("/groups", summary="The user's groups, or every group for a token not bound to a user")
    def groups(request: Request, token: Caller, query: str | None = None) -> list[Json]:
        return _service(request).groups(token.user, query)

    @router.get("/grouptypes", summary="The group types this API serves")
    def grouptypes(token: Caller) -> list[Json]:
        return GroupsService.grouptypes()

    return router


def create_app(db: Database, config: GroupsApiConfig, clock: Callable[[], dt.datetime] | None = None) -> FastAPI:
    """The API over ``db``'s metaverse; ``clock`` fixes "now" (for tests and replays)."""
    app = FastAPI(
        title="edusync groups API",
        version=__version__,
        description="Feide-compatible groups API (docs.feide.no, groups API) served from edusync's metaverse.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.db = db
    app.state.service = GroupsService(db, config, clock) if clock else GroupsService(db, config)
    routes = _routes()
    app.include_router(routes, prefix="/groups")
    app.include_router(routes, prefix="/groups/v1", include_in_schema=False)

    @app.exception_handler(ApiError)
    def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _json_error(exc.status, exc.error, exc.message, exc.challenge)

    @app.exception_handler(NotFound)
    def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return _json_error(404, "not_found", str(exc))

    @app.exception_handler(StorageError)
    def _storage(request: Request, exc: StorageError) -> JSONResponse:
        return _json_error(503, "unavailable", "edusync's database cannot be read just now; try again")

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _json_error(exc.status_code, "not_found" if exc.status_code == 404 else "error", str(exc.detail))

    return app
