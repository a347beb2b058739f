"""What the checker tests share: record a real exchange between a connector and its sandbox, then alter it.

A checker test drives the connector against the sandbox, keeps each exchange (out of the suite's
ledger: the test holds them to the checker by hand), checks that the real ones conform, and then
changes a request or an answer the way a bug would and asserts that the checker names that.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from edusync.sandbox.serving import serve_in_thread
from edusync.testing import exchanges
from edusync.testing.exchanges import Exchange


@contextmanager
def recording(app: Any, checker: exchanges.Checker) -> Iterator[tuple[str, exchanges.Kept]]:
    """``app`` served in a thread with every exchange kept; yields its URL and what was kept."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(exchanges.ENV)  # these are checked by the test, by hand
        kept = exchanges.Kept()
        with serve_in_thread(exchanges.Recording(app, checker, kept)) as url:
            yield url, kept


def body(exchange: Exchange, side: str = "response") -> Any:
    """The JSON of an exchange's answer (``side="request"``: of its request)."""
    return json.loads(exchange.response_body if side == "response" else exchange.request_body)


def altered(exchange: Exchange, *, request: Any = None, answer: Any = None, **fields: Any) -> Exchange:
    """``exchange`` with ``request`` or ``answer`` as its JSON body (None: as it was) and ``fields`` changed."""
    if request is not None:
        fields["request_body"] = json.dumps(request).encode()
    if answer is not None:
        fields["response_body"] = json.dumps(answer).encode()
    return dataclasses.replace(exchange, **fields)
