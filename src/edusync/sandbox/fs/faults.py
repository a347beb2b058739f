"""Fault injection for the sandboxes: go down for N requests (now or after M more), or answer slowly.

A connector's retry, timeout and resume handling is only tested if the server misbehaves on
demand. :class:`FaultMiddleware` sits in front of the whole app; the ``/_sandbox`` routes that
steer it are never affected, so a test can always switch a fault off again. The WISEflow sandbox
uses this module too.

Four ways of being down (``mode``):

- ``status``: answer ``503 Service Unavailable`` with ``Retry-After`` (a server that is up but sick);
- ``disconnect``: promise a body and close the connection before sending it, so the client sees
  a connection-level failure (httpx raises ``RemoteProtocolError``), as with a crashed proxy;
- ``lost_answer``: let the app carry the request out, then drop the connection instead of
  answering: the server did the work and the client cannot know it (the case that makes a blind
  retry send something twice);
- ``malformed``: answer ``200`` with a truncated JSON body.

An answer the middleware forges (``status``, ``malformed``) carries ``x-sandbox-fault: injected``.

``after`` lets that many requests through first, so a fault can strike in the middle of a run;
``path`` and ``method`` limit the fault to requests whose path contains ``path`` and whose method
is ``method`` (others neither fail nor count).
``GET /_sandbox/requests`` counts the requests the app itself handled, by method and path, so a
test can check that nothing was sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
ADMIN_PREFIX = "/_sandbox"
Mode = Literal["status", "disconnect", "lost_answer", "malformed"]
MALFORMED = b'{"items": [{"id": "truncated'


@dataclass(slots=True)
class FaultState:
    down_requests: int = 0
    down_mode: Mode = "status"
    down_after: int = 0  # requests let through before the fault strikes
    down_path: str | None = None  # only requests whose path contains this
    down_method: str | None = None  # only requests with this method
    delay_seconds: float = 0.0
    delay_requests: int | None = None  # None: every request until cleared
    failed: int = 0  # requests failed on purpose since start
    handled: Counter[str] = field(default_factory=Counter)  # "METHOD /path" -> requests the app handled

    def clear(self) -> None:
        self.down_requests, self.down_mode, self.down_after = 0, "status", 0
        self.down_path = self.down_method = None
        self.delay_seconds, self.delay_requests = 0.0, None

    def as_json(self) -> dict[str, Any]:
        return {
            "down_requests": self.down_requests,
            "down_mode": self.down_mode,
            "down_after": self.down_after,
            "down_path": self.down_path,
            "down_method": self.down_method,
            "delay_seconds": self.delay_seconds,
            "delay_requests": self.delay_requests,
            "failed": self.failed,
        }

    def strikes(self, method: str, path: str) -> bool:
        """Whether this request fails (and count it against the fault)."""
        if self.down_requests <= 0 or (self.down_path is not None and self.down_path not in path):
            return False
        if self.down_method is not None and self.down_method.upper() != method.upper():
            return False
        if self.down_after > 0:
            self.down_after -= 1
            return False
        self.down_requests -= 1
        self.failed += 1
        return True


class DownRequest(BaseModel):
    requests: int = Field(ge=0, description="how many requests fail")
    mode: Mode = "status"
    after: int = Field(default=0, ge=0, description="how many requests pass first")
    path: str | None = Field(default=None, description="only requests whose path contains this")
    method: str | None = Field(default=None, description="only requests with this method")


class DelayRequest(BaseModel):
    seconds: float = Field(ge=0, le=120)
    requests: int | None = Field(default=None, ge=0, description="how many requests; null = until cleared")


class FaultMiddleware:
    """Raw ASGI middleware, so that a dropped connection is really dropped (no framework in between)."""

    def __init__(self, app: ASGIApp, state: FaultState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        state = self.state
        if state.delay_seconds and state.delay_requests != 0:
            if state.delay_requests is not None:
                state.delay_requests -= 1
            await asyncio.sleep(state.delay_seconds)
        key = f"{scope['method']} {path}"
        if not state.strikes(str(scope["method"]), path):
            state.handled[key] += 1
            await self.app(scope, receive, send)
            return
        if state.down_mode == "lost_answer":
            state.handled[key] += 1
            await self.app(scope, receive, _swallow)
            await self._disconnect(send)
        elif state.down_mode == "disconnect":
            await _drain(receive)
            await self._disconnect(send)
        elif state.down_mode == "malformed":
            await self._answer(send, 200, MALFORMED)
        else:
            body = b'{"error":"unavailable","message":"sandbox fault injection: service unavailable"}'
            await self._answer(send, 503, body, [(b"retry-after", b"1")])

    @staticmethod
    async def _answer(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
        # Marked as forged, so that the conformance checkers do not hold it to the real system's specification.
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-sandbox-fault", b"injected"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _disconnect(send: Send) -> None:
        # Promise a body and return without it: uvicorn then closes the socket mid-response
        # (and logs "ASGI callable returned without completing response", which is expected).
        log.warning("sandbox fault injection: dropping a connection on purpose")
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
        await send({"type": "http.response.body", "body": b"", "more_body": True})


async def _drain(receive: Receive) -> None:
    """Read the request's body before dropping the connection.

    A socket closed with unread data in it is reset (RST), and the client then sees a ``ReadError``
    or a ``RemoteProtocolError`` depending on how far it got: read first, and the drop is always a
    clean close after the answer's head, which the client always sees as a ``RemoteProtocolError``.
    """
    while (await receive()).get("more_body", False):
        pass


async def _swallow(_message: Message) -> None:
    """The app's answer, thrown away (``lost_answer``)."""


def fault_router(state: FaultState) -> APIRouter:
    """``/_sandbox/faults`` routes (read, set ``down`` and ``delay``, clear) and ``/_sandbox/requests``."""
    router = APIRouter(prefix=ADMIN_PREFIX, tags=["sandbox"])

    @router.get("/faults")
    async def read_faults() -> dict[str, Any]:
        return state.as_json()

    @router.post("/faults/down")
    async def go_down(body: DownRequest) -> dict[str, Any]:
        state.down_requests, state.down_mode = body.requests, body.mode
        state.down_after, state.down_path, state.down_method = body.after, body.path, body.method
        return state.as_json()

    @router.post("/faults/delay")
    async def slow_down(body: DelayRequest) -> dict[str, Any]:
        state.delay_seconds, state.delay_requests = body.seconds, body.requests
        return state.as_json()

    @router.delete("/faults")
    async def clear_faults() -> dict[str, Any]:
        state.clear()
        return state.as_json()

    @router.get("/requests")
    async def handled_requests() -> dict[str, int]:
        return dict(state.handled)

    @router.delete("/requests")
    async def forget_requests() -> dict[str, int]:
        state.handled.clear()
        return {}

    return router
