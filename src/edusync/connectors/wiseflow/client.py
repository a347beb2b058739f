"""A small WISEflow REST client: API-token auth, envelopes, paging, and refusals with their reason.

WISEflow answers "modern" routes in an envelope (``{success, data, error}``) and "legacy" routes
bare; both come back here as plain data. A 4xx with a reason (``MANUAL_ALLOCATION``,
``HAS_ALLOCATIONS`` …) is raised as :class:`Refused` so the caller can decide per reason; 5xx and
dropped connections are retried and then raised as retriable, and a POST that creates something
is not sent again once it may have reached WISEflow (see :mod:`edusync.connectors.http`). A body
that is not JSON raises :class:`~edusync.connectors.http.MalformedAnswer`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from edusync.connectors.http import MalformedAnswer, read_json, request
from edusync.connectors.wiseflow.settings import WiseflowSettings
from edusync.errors import SkippableError

Json = dict[str, Any]
REFUSALS = (400, 403, 404, 409)


class Refused(SkippableError):
    """WISEflow refused one call (4xx); ``reason`` is its machine-readable reason, if it gave one."""

    def __init__(self, status: int, reason: str | None, message: str) -> None:
        super().__init__(f"WISEflow refused ({status} {reason or 'no reason'}): {message}")
        self.status, self.reason = status, reason


def without_nulls(value: Any) -> Any:
    """``value`` with null fields left out: WISEflow types its fields as plain strings and numbers, never null."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


class WiseflowClient:
    def __init__(self, settings: WiseflowSettings) -> None:
        self.settings = settings
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/") + "/",
            headers={"x-api-key": settings.api_token.get_secret_value(), "accept": "application/json"},
            timeout=settings.timeout,
        )

    def close(self) -> None:
        self._http.close()

    def call(
        self, method: str, path: str, what: str, body: Any = None, *, idempotent: bool | None = None, **params: Any
    ) -> Any:
        """One call; returns the envelope's ``data`` (or the bare body); raises :class:`Refused` on 4xx.

        ``idempotent`` marks a POST that is safe to send twice (a search, create-or-update).
        """
        s = self.settings
        kwargs: dict[str, Any] = {"params": params} if params else {}
        if body is not None:
            kwargs["json"] = without_nulls(body)
        response = request(
            self._http,
            method,
            path.lstrip("/"),
            what=what,
            system="WISEflow",
            retries=s.retries,
            backoff=s.backoff,
            ok_statuses=REFUSALS,
            idempotent=idempotent,
            **kwargs,
        )
        data = read_json(response, system="WISEflow", what=what)
        if response.status_code in REFUSALS:
            error = data.get("error") if isinstance(data, dict) else None
            error = error or {}
            reasons = [e.get("reason") for e in error.get("errors") or [] if e.get("reason")]
            reason = error.get("code") if isinstance(error.get("code"), str) else None
            raise Refused(response.status_code, reasons[0] if reasons else reason, error.get("message") or what)
        if isinstance(data, dict) and "success" in data and "data" in data:
            return data["data"]
        return data

    def pages(self, path: str, what: str, limit: int) -> Iterator[Json]:
        """Every item of a paged modern list."""
        offset = 0
        while True:
            s = self.settings
            response = request(
                self._http,
                "GET",
                path.lstrip("/"),
                what=what,
                system="WISEflow",
                retries=s.retries,
                backoff=s.backoff,
                params={"offset": offset, "limit": limit},
            )
            body = read_json(response, system="WISEflow", what=what)
            items = body.get("data") if isinstance(body, dict) else None
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise MalformedAnswer(f"WISEflow: {what}: the page's 'data' is not a list of objects")
            yield from items
            offset += len(items)
            total = (body.get("pagination") or {}).get("total")
            if not items or offset >= (total if isinstance(total, int) else offset):
                return
