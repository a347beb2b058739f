"""The sandbox's own admin API under ``/_sandbox`` (not part of FINT; no token needed).

It lets a person or a test move the simulated clock, look up the planted cases
and switch faults on and off:

=======================================  ==================================================
``GET  /_sandbox``                        county, date, counts, active faults, cache size
``GET  /_sandbox/scenario``               ids of the planted awkward cases
``POST /_sandbox/advance?days=1``         run simulated days; returns what changed
``POST /_sandbox/faults/fail``            ``count``, ``status`` (500), ``path`` prefix
``POST /_sandbox/faults/delay``           ``seconds``, ``count`` (0 = until cleared), ``path``
``POST /_sandbox/faults/truncate``        ``path`` of a class, ``count``: cut the JSON half way
``POST /_sandbox/faults/missing``         ``href`` of an object that then answers 404
``POST /_sandbox/faults/forbid``          ``path`` of a class that then answers 403
``POST /_sandbox/faults/empty``           ``path`` of a class that then answers an empty collection
``POST /_sandbox/faults/clear``           every fault off
``POST /_sandbox/tokens/expire``          revoke every issued token (next call gets 401)
``POST /_sandbox/tokens/lifetime``        ``seconds`` for tokens issued from now on
``POST /_sandbox/writes/outcome``         ``result`` (accept, reject, error, gone), ``count``
``POST /_sandbox/writes/pending``         ``polls`` answered 202 before a write resolves
``POST /_sandbox/prewarm``                serialise every collection now (for benchmarks)
=======================================  ==================================================
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from edusync.sandbox.fint.auth import Tokens
from edusync.sandbox.fint.catalog import BY_PATH, VIEWS
from edusync.sandbox.fint.county import County
from edusync.sandbox.fint.faults import Faults
from edusync.sandbox.fint.serialise import Pages
from edusync.sandbox.fint.writes import Outcome, Writes

MAX_DAYS = 366


def _class_path(path: str) -> str:
    path = "/" + path.strip("/")
    if path not in BY_PATH:
        raise HTTPException(400, f"not a FINT class path the sandbox serves: {path}")
    return path


def admin_router(
    county: County, *, faults: Faults, tokens: Tokens, writes: Writes, pages: Pages, base: Callable[[Request], str]
) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    @router.get("")
    def state() -> dict[str, Any]:
        with county.lock:
            return {
                "county": county.name,
                "domain": county.domain,
                "seed": county.seed,
                "size": county.size,
                "today": county.today.isoformat(),
                "counts": county.counts(),
                "faults": faults.snapshot(),
                "cache_bytes": pages.cached_bytes,
                "tokens_issued": tokens.issued,
                "token_lifetime": tokens.lifetime,
                "pending_polls": writes.pending_polls,
            }

    @router.get("/scenario")
    def scenario() -> dict[str, Any]:
        return county.scenario.to_dict() if county.scenario else {}

    @router.post("/advance")
    def advance(days: int = 1) -> dict[str, Any]:
        if not 1 <= days <= MAX_DAYS:
            raise HTTPException(400, f"days must be 1-{MAX_DAYS}")
        reports = [county.advance_day() for _ in range(days)]
        changed: dict[str, int] = {}
        for report in reports:
            for name, count in report.changed.items():
                changed[name] = changed.get(name, 0) + count
        return {
            "today": county.today.isoformat(),
            "stamp": reports[-1].stamp,
            "changed": changed,
            "events": [event for report in reports for event in report.events],
        }

    @router.post("/prewarm")
    def prewarm(request: Request) -> dict[str, Any]:
        """Fill the page cache for this base URL, so a benchmark's first read is not a cold one."""
        started = time.perf_counter()
        cached = pages.prewarm(list(VIEWS), base(request))
        return {"cache_bytes": cached, "seconds": round(time.perf_counter() - started, 3)}

    @router.post("/faults/fail")
    def fail(count: int = 1, status: int = 500, path: str = "") -> dict[str, Any]:
        if not 400 <= status <= 599:
            raise HTTPException(400, "status must be an HTTP error status")
        faults.fail_count, faults.fail_status, faults.fail_path = count, status, path
        return faults.snapshot()

    @router.post("/faults/delay")
    def delay(seconds: float = 1.0, count: int = 1, path: str = "") -> dict[str, Any]:
        faults.delay_seconds, faults.delay_count, faults.delay_path = seconds, (count or None), path
        return faults.snapshot()

    @router.post("/faults/truncate")
    def truncate(path: str, count: int = 1) -> dict[str, Any]:
        faults.truncate[_class_path(path)] = count
        return faults.snapshot()

    @router.post("/faults/missing")
    def missing(href: str) -> dict[str, Any]:
        try:
            key = faults.add_missing(href)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        if key[0] not in BY_PATH:
            faults.missing.discard(key)
            _class_path(key[0])  # raises the 400
        return faults.snapshot()

    @router.post("/faults/forbid")
    def forbid(path: str) -> dict[str, Any]:
        faults.forbidden.add(_class_path(path))
        return faults.snapshot()

    @router.post("/faults/empty")
    def empty(path: str) -> dict[str, Any]:
        faults.emptied.add(_class_path(path))
        return faults.snapshot()

    @router.post("/faults/clear")
    def clear() -> dict[str, Any]:
        faults.clear()
        return faults.snapshot()

    @router.post("/tokens/expire")
    def expire() -> dict[str, int]:
        return {"revoked": tokens.expire_all()}

    @router.post("/tokens/lifetime")
    def lifetime(seconds: float) -> dict[str, float]:
        if seconds <= 0:
            raise HTTPException(400, "seconds must be positive")
        tokens.lifetime = seconds
        return {"token_lifetime": seconds}

    @router.post("/writes/outcome")
    def outcome(result: Outcome, count: int = 1) -> dict[str, Any]:
        writes.force(result, count)
        return {"forced": list(writes.forced)}

    @router.post("/writes/pending")
    def pending(polls: int) -> dict[str, int]:
        if polls < 0:
            raise HTTPException(400, "polls must be 0 or more")
        writes.pending_polls = polls
        return {"pending_polls": polls}

    return router
