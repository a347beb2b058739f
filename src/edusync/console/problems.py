"""Errors as ``application/problem+json`` (RFC 9457): a type, a title, the status and what happened.

Each of edusync's own errors maps to one status; an approval that no longer matches what is
stored (a replaced change set, another hash, a run no longer blocked) is ``409``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from edusync.errors import (
    ApprovalRefused,
    DecisionIncomplete,
    EdusyncError,
    FourEyesRefused,
    NotFound,
    RunInProgress,
    StorageError,
)
from edusync.model.fnr import mask_text
from edusync.services.paging import BadQuery
from edusync.services.tokens import BadTokenRequest
from edusync.services.users import BadUserRequest, SignInRefused

MEDIA = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Sign-in needed",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "Cannot be done as asked",
    503: "Unavailable",
}


class Problem(BaseModel):
    """An error (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class ApiProblem(Exception):
    """An error the console raises itself (sign-in, roles, CSRF)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": mask_text(detail)}
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


#: The documented error answers of every route (so a client, and schemathesis, know their shape).
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {MEDIA: {}}, "description": TITLES[status]}
    for status in (400, 401, 403, 404, 409, 422)
}


def status_of(exc: EdusyncError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, BadQuery | BadTokenRequest | BadUserRequest):
        return 400
    if isinstance(exc, SignInRefused):
        return 401
    if isinstance(exc, StorageError):
        return 503
    if isinstance(exc, RunInProgress):
        return 409
    if isinstance(exc, FourEyesRefused):
        return 403
    if isinstance(exc, DecisionIncomplete):
        return 422
    if isinstance(exc, ApprovalRefused):
        return 409  # the run is not, or no longer, what the decision was about
    return 422


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    def _own(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.detail, exc.headers)

    @app.exception_handler(EdusyncError)
    def _edusync(request: Request, exc: EdusyncError) -> JSONResponse:
        status = status_of(exc)
        return problem(status, "edusync's database cannot be read just now" if status == 503 else str(exc))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()[:5]]
        return problem(422, "; ".join(parts) or "the request is invalid")

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), getattr(exc, "headers", None))
