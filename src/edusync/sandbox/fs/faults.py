"""Fault injection for the sandboxes: go down for N requests, or answer slowly.

A connector's retry and timeout handling is only tested if the server misbehaves on demand.
:class:`FaultMiddleware` sits in front of the whole app; the ``/_sandbox`` routes that steer it
are never affected, so a test can always switch a fault off again. The WISEflow sandbox uses
this module too.

Two ways of being down:

- ``status``: answer ``503 Service Unavailable`` with ``Retry-After`` (a server that is up but sick);
- ``disconnect``: promise a body and close the connection before sending it, so the client sees
  a connection-level failure (httpx raises ``RemoteProtocolError``), as with a crashed proxy.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)
ADMIN_PREFIX = "/_sandbox"


@dataclass(slots=True)
class FaultState:
    down_requests: int = 0
    down_mode: Literal["status", "disconnect"] = "status"
    delay_seconds: float = 0.0
    delay_requests: int | None = None  # None: every request until cleared
    failed: int = 0  # requests failed on purpose since start

    def clear(self) -> None:
        self.down_requests, self.down_mode = 0, "status"
        self.delay_seconds, self.delay_requests = 0.0, None


class DownRequest(BaseModel):
    requests: int = Field(ge=0, description="how many of the next requests fail")
    mode: Literal["status", "disconnect"] = "status"


class DelayRequest(BaseModel):
    seconds: float = Field(ge=0, le=120)
    requests: int | None = Field(default=None, ge=0, description="how many requests; null = until cleared")


class FaultMiddleware:
    """Raw ASGI middleware, so that a dropped connection is really dropped (no framework in between)."""

    def __init__(self, app: ASGIApp, state: FaultState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        state = self.state
        if state.delay_seconds and state.delay_requests != 0:
            if state.delay_requests is not None:
                state.delay_requests -= 1
            await asyncio.sleep(state.delay_seconds)
        if state.down_requests > 0:
            state.down_requests -= 1
            state.failed += 1
            await (self._disconnect(send) if state.down_mode == "disconnect" else self._unavailable(send))
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _unavailable(send: Send) -> None:
        body = b'{"error":"unavailable","message":"sandbox fault injection: service unavailable"}'
        headers = [(b"content-type", b"application/json"), (b"retry-after", b"1")]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _disconnect(send: Send) -> None:
        # Promise a body and return without it: uvicorn then closes the socket mid-response
        # (and logs "ASGI callable returned without completing response", which is expected).
        log.warning("sandbox fault injection: dropping a connection on purpose")
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
        await send({"type": "http.response.body", "body": b"", "more_body": True})


def fault_router(state: FaultState) -> APIRouter:
    """``/_sandbox/faults`` routes: read, set ``down`` and ``delay``, clear."""
    router = APIRouter(prefix=f"{ADMIN_PREFIX}/faults", tags=["sandbox"])

    @router.get("")
    async def read_faults() -> dict[str, Any]:
        return asdict(state)

    @router.post("/down")
    async def go_down(body: DownRequest) -> dict[str, Any]:
        state.down_requests, state.down_mode = body.requests, body.mode
        return asdict(state)

    @router.post("/delay")
    async def slow_down(body: DelayRequest) -> dict[str, Any]:
        state.delay_seconds, state.delay_requests = body.seconds, body.requests
        return asdict(state)

    @router.delete("")
    async def clear_faults() -> dict[str, Any]:
        state.clear()
        return asdict(state)

    return router
