"""Every exchange between a connector and a sandbox, recorded and held to the real system's specification.

When ``$EDUSYNC_CONFORMANCE`` names a file, every sandbox served through
:mod:`edusync.sandbox.serving` (in a thread or in its own process) is wrapped in
:class:`Recording`: each HTTP exchange it serves (request and answer, bodies included) is given
to the :class:`Checker` of its system, written from the system's published specification (never
from our connector), and one line per exchange goes to that file (:class:`Ledger`). The test
suite sets the variable for every test and fails a test whose exchanges break the specification
on either side: a request our connector should not have sent, or an answer the real system
would not give. At the end it prints how many exchanges and message types were checked.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Exchange:
    """One request and its answer, as they crossed the wire."""

    system: str
    method: str
    path: str
    query: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""

    @property
    def request_type(self) -> str:
        return self.request_headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def response_type(self) -> str:
        return self.response_headers.get("content-type", "").split(";")[0].strip().lower()


class Checker(Protocol):
    """Names what in an exchange breaks the system's published specification."""

    #: The system's name, as the ledger counts it (``fint``, ``wiseflow``, ``imses``).
    system: str

    def kind(self, exchange: Exchange) -> str:
        """The exchange's message type (an operation id, a SOAP action): what the summary counts."""
        ...

    def problems(self, exchange: Exchange) -> list[str]:
        """Every way the request or the answer breaks the specification (empty: it conforms)."""
        ...


ENV = "EDUSYNC_CONFORMANCE"
#: system name → ``module:class`` of its checker, imported only when a sandbox of it is served.
CHECKERS = {
    "fint": "edusync.sandbox.fint.spec:FintChecker",
    "wiseflow": "edusync.sandbox.wiseflow.spec:WiseflowChecker",
    "imses": "edusync.sandbox.imses.spec:ImsesChecker",
    # scim2-server is a third-party service, not a project sandbox: edusync.sandbox.scim serves it wrapped.
    "scim": "edusync.sandbox.scim.spec:ScimChecker",
}


class Ledger:
    """Appends one JSON line per checked exchange to a file (sandboxes in threads and in other processes share it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def add(self, exchange: Exchange, kind: str, problems: list[str]) -> None:
        line = {
            "system": exchange.system,
            "kind": kind,
            "method": exchange.method,
            "path": exchange.path,
            "status": exchange.status,
            "problems": problems,
        }
        data = json.dumps(line, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(data)


class Kept(Ledger):
    """A ledger that keeps the exchanges themselves (and writes no file), so a test can ask a checker about them."""

    def __init__(self) -> None:
        self.kept: list[Exchange] = []

    def add(self, exchange: Exchange, kind: str, problems: list[str]) -> None:
        self.kept.append(exchange)

    def served(self) -> list[Exchange]:
        """The exchanges with the system, the sandbox's own controls (``/_sandbox/…``) left out."""
        return [e for e in self.kept if not e.path.startswith("/_sandbox")]


def read(path: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The ledger's lines from byte ``offset`` on, and the offset after them."""
    if not path.exists():
        return [], offset
    with path.open("rb") as f:
        f.seek(offset)
        data = f.read()
    end = data.rfind(b"\n") + 1  # a line still being written is read next time
    lines = [json.loads(line) for line in data[:end].splitlines() if line]
    return lines, offset + end


class Recording:
    """ASGI middleware: records and checks every HTTP exchange of the app it wraps."""

    def __init__(self, app: ASGIApp, checker: Checker, ledger: Ledger) -> None:
        self.app, self.checker, self.ledger = app, checker, ledger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        exchange = Exchange(
            self.checker.system,
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            b"",
        )
        body = bytearray()

        async def recv() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
            return message

        answer = bytearray()

        async def snd(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = int(message["status"])
                exchange.response_headers = {
                    k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                answer.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    exchange.request_body, exchange.response_body = bytes(body), bytes(answer)
                    self._check(exchange)
            await send(message)

        await self.app(scope, recv, snd)

    def _check(self, exchange: Exchange) -> None:
        try:
            kind, problems = self.checker.kind(exchange), self.checker.problems(exchange)
        except Exception as exc:  # a checker that cannot read the exchange has found a problem
            kind, problems = "unreadable", [f"the checker failed: {type(exc).__name__}: {exc}"]
        self.ledger.add(exchange, kind, problems)


def conformed(app: Any) -> Any:
    """``app`` recorded and checked, when ``$EDUSYNC_CONFORMANCE`` names a ledger and the app's system has a checker.

    A sandbox app says which system it plays in ``app.state.system``.
    """
    path = os.environ.get(ENV)
    system = getattr(getattr(app, "state", None), "system", None)
    if not path or system not in CHECKERS:
        return app
    module, _, name = CHECKERS[system].partition(":")
    checker = getattr(importlib.import_module(module), name)()
    return Recording(app, checker, Ledger(Path(path)))
