"""Refuse a request that breaks WISEflow's API specification, before any route sees it.

Every request below ``/v1`` is matched to its operation in the project's schema of WISEflow's API
1.34.0 (:mod:`.spec`); its path and query parameters and its JSON body are validated against the
operation's schemas, with the same rules the conformance checker holds the tests to (no field the
specification does not declare, no null where it types a string, the reference pattern …). A
request that breaks them is answered ``400`` with WISEflow's error envelope, naming each problem,
and changes nothing. A request to no operation the project holds is left to the routes (404/405).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edusync.sandbox.wiseflow.spec import API_PREFIX, find, request_problems


class SpecGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        op = find(str(scope["method"]), path[len(API_PREFIX) :])
        if op is None:
            await self.app(scope, receive, send)
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client hung up (a timeout while the sandbox was slow): nobody to answer
            body.extend(message.get("body", b""))
            more = message.get("more_body", False) and message["type"] == "http.request"
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        query = scope.get("query_string", b"").decode("latin-1")
        problems = request_problems(op, path[len(API_PREFIX) :], query, content_type, bytes(body))
        if problems:
            await _refuse(send, problems)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(send: Send, problems: list[str]) -> None:
    errors = [{"reason": "INVALID_REQUEST", "message": p} for p in problems]
    answer = {"success": False, "error": {"code": 400, "message": "invalid request", "errors": errors}}
    data = json.dumps(answer, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": data})
