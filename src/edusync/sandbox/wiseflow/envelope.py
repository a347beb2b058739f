"""WISEflow's response shapes, errors, paging and API-key check, in one place.

WISEflow has two generations of endpoints: "modern" ones wrap everything in
``{success, data, error}`` (plus ``pagination`` on lists) and "legacy" ones answer bare JSON and
often a 404 with no body at all. A client has to cope with both, so the sandbox reproduces both:
an :class:`ApiError` raised with ``bare=True`` answers with the status only.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader

API_KEY_HEADER = "x-api-key"
# Module level: FastAPI reads the (postponed) annotations of dependencies from module globals.
ApiKey = Annotated[str | None, Depends(APIKeyHeader(name=API_KEY_HEADER, auto_error=False))]


def without_nulls(value: Any) -> Any:
    """``value`` with every null field left out.

    WISEflow's specification types almost every field as a plain string or integer, never null:
    a field with no value is absent, so that is how the sandbox answers.
    """
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


class SpecJSONResponse(JSONResponse):
    """A JSON answer without null fields (see :func:`without_nulls`); the sandbox's default response class."""

    def render(self, content: Any) -> bytes:
        return super().render(without_nulls(content))


class ApiError(Exception):
    """An error answer: the standard error envelope, or (``bare``) the status with no body."""

    def __init__(self, status: int, message: str, reason: str | None = None, *, bare: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason or message
        self.bare = bare


class Unauthorized(Exception):
    """No or a wrong API key; WISEflow answers with the bare JSON string "Unauthorized"."""


def error_body(status: int, message: str, reason: str) -> dict[str, Any]:
    # No "data": the specification types it as an object, so an error answer leaves it out.
    return {
        "success": False,
        "error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]},
    }


def ok(data: Any = None, status: int = 200, pagination: dict[str, int] | None = None) -> JSONResponse:
    """The success envelope; with nothing to answer, ``data`` is left out (the spec types it, never as null)."""
    body: dict[str, Any] = {"success": True}
    if data is not None:
        body["data"] = data
    if pagination is not None:
        body["pagination"] = pagination
    return SpecJSONResponse(body, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)


def paginate(
    items: list[Any], offset: int, limit: int | None, default: int, maximum: int
) -> tuple[list[Any], dict[str, int]]:
    """One page of ``items``; a limit above the endpoint's maximum is a 400, as in WISEflow."""
    limit = default if limit is None else limit
    if limit < 1 or limit > maximum or offset < 0:
        raise ApiError(400, f"limit must be 1-{maximum} and offset >= 0", "INVALID_PAGINATION")
    return items[offset : offset + limit], {"limit": limit, "offset": offset, "total": len(items)}


def api_key_check(api_token: str) -> Any:
    """A dependency that lets a request through only with ``x-api-key: <api_token>``."""

    async def check(key: ApiKey) -> None:
        if key is None or not secrets.compare_digest(key.encode(), api_token.encode()):
            raise Unauthorized

    return check


def install_handlers(app: FastAPI) -> None:
    async def on_api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if exc.bare:
            return Response(status_code=exc.status)
        return SpecJSONResponse(error_body(exc.status, exc.message, exc.reason), status_code=exc.status)

    async def on_unauthorized(_request: Request, _exc: Exception) -> Response:
        return JSONResponse("Unauthorized", status_code=401)

    async def on_invalid(_request: Request, exc: Exception) -> Response:
        # WISEflow answers a malformed body with 400 and its error envelope, not FastAPI's 422.
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "reason": str(e.get("type", "invalid")),
                "message": f"{'.'.join(map(str, e['loc']))}: {e['msg']}",
            }
            for e in exc.errors()
        ]
        body = error_body(400, "invalid request", "INVALID_REQUEST")
        body["error"]["errors"] = errors
        return SpecJSONResponse(body, status_code=400)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(Unauthorized, on_unauthorized)
    app.add_exception_handler(RequestValidationError, on_invalid)
