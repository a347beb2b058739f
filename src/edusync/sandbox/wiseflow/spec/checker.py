"""Holds every HTTP exchange with the WISEflow sandbox to WISEflow's public API 1.34.0.

A request must be to an operation the specification has (matched by method and path template
below ``/v1``) and one the project holds, with its path and query parameters and its body as
the operation's schemas say (no undeclared field, no ``null`` where a string is typed). An
answer must have a status the operation declares (401 for a refused API key, under the API's
security scheme), and a body that validates against that status's schema; a status with no
declared body has none. Not held to the specification: the ``/_sandbox`` controls (what a person
does in WISEflow's UI, and the test controls), a 503 (a server that is down) and an answer the
sandbox's fault injection forged (marked ``x-sandbox-fault``), which no WISEflow would send.
"""

from __future__ import annotations

from edusync.sandbox.wiseflow.spec.operations import API_PREFIX, document, find, templates
from edusync.sandbox.wiseflow.spec.validation import answer_problems, request_problems
from edusync.testing.exchanges import Exchange

CONTROLS = "sandbox controls (not WISEflow)"
FORGED = "sandbox fault (not WISEflow)"
FAULT_HEADER = "x-sandbox-fault"
DOWN = 503


def _below_prefix(exchange: Exchange) -> str | None:
    if exchange.path == API_PREFIX or exchange.path.startswith(API_PREFIX + "/"):
        return exchange.path[len(API_PREFIX) :]
    return None


class WiseflowChecker:
    """The WISEflow checker the conformance ledger uses (see :mod:`edusync.testing.exchanges`)."""

    system = "wiseflow"

    def _skipped(self, exchange: Exchange) -> str | None:
        if exchange.path.startswith("/_sandbox"):
            return CONTROLS
        if FAULT_HEADER in exchange.response_headers:
            return FORGED
        return None

    def kind(self, exchange: Exchange) -> str:
        skipped = self._skipped(exchange)
        if skipped is not None:
            return skipped
        path = _below_prefix(exchange)
        op = find(exchange.method, path) if path is not None else None
        return op.name if op is not None else "unknown operation"

    def request_problems(self, exchange: Exchange) -> list[str]:
        if self._skipped(exchange) is not None:
            return []
        path = _below_prefix(exchange)
        if path is None:
            return [f"{exchange.path} is not below WISEflow's API base {API_PREFIX}"]
        op = find(exchange.method, path)
        if op is None:
            methods = templates(path)
            if methods:
                return [f"{exchange.method} is not an operation on {path} (the specification has {', '.join(methods)})"]
            return [f"{exchange.method} {path} is no operation of WISEflow's API that the project holds"]
        return request_problems(op, path, exchange.query, exchange.request_type, exchange.request_body)

    def answer_problems(self, exchange: Exchange) -> list[str]:
        if self._skipped(exchange) is not None or exchange.status == DOWN:
            return []
        path = _below_prefix(exchange)
        op = find(exchange.method, path) if path is not None else None
        if op is None:
            return []  # the request is already named as not in the specification
        unauthorized = document()["$defs"].get("x-api-key-error-response")
        return answer_problems(op, exchange.status, exchange.response_body, unauthorized=unauthorized)

    def problems(self, exchange: Exchange) -> list[str]:
        return self.request_problems(exchange) + self.answer_problems(exchange)
