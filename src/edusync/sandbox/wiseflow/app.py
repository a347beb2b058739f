"""The WISEflow sandbox: WISEflow's REST API (OpenAPI 1.34.0 paths and payloads) over memory.

Served under ``/v1`` like ``https://europe-api.wiseflow.net/v1``, authenticated with the
``x-api-key`` header (WISEflow's API-token scheme; a wrong or missing key gets 401 and the bare
JSON string ``"Unauthorized"``). The ``/_sandbox`` controls need the same key. Everything lives in
one :class:`~.state.Store` per app, so each test can start from an empty licence.
"""

from __future__ import annotations

import logging
import re

from fastapi import APIRouter, Depends, FastAPI

import edusync
from edusync.model import fnr
from edusync.sandbox.fs.faults import FaultMiddleware, FaultState, fault_router
from edusync.sandbox.wiseflow import admin, assessors, flows, grades, groups, participants, rooms, users
from edusync.sandbox.wiseflow.envelope import SpecJSONResponse, api_key_check, install_handlers
from edusync.sandbox.wiseflow.gate import SpecGate
from edusync.sandbox.wiseflow.state import Store

API_PREFIX = "/v1"
_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


class MaskNationalIds(logging.Filter):
    """Mask 11-digit numbers in access-log lines.

    ``GET /v1/user/userDataType/2/{value}`` looks a user up by national id, so the id would
    otherwise land in uvicorn's access log, and a fødselsnummer must never be logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _ELEVEN_DIGITS.sub(lambda m: fnr.mask(m.group()), a) if isinstance(a, str) else a for a in record.args
            )
        return True


def _mask_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskNationalIds) for f in access.filters):
        access.addFilter(MaskNationalIds())


def create_app(*, api_token: str) -> FastAPI:
    """A fresh, empty WISEflow licence answering to ``x-api-key: <api_token>``."""
    app = FastAPI(title="WISEflow sandbox", version=edusync.__version__, default_response_class=SpecJSONResponse)
    _mask_access_log()
    store = Store()
    faults = FaultState()
    app.state.faults = faults  # for tests: what the app handled (``GET /_sandbox/requests`` over HTTP)
    app.state.store = store  # for tests and debugging; clients use HTTP
    app.state.system = "wiseflow"  # the conformance ledger holds every exchange to WISEflow's API 1.34.0
    app.add_middleware(SpecGate)  # inside the faults: a server that is down refuses nothing
    app.add_middleware(FaultMiddleware, state=faults)
    install_handlers(app)
    auth = [Depends(api_key_check(api_token))]
    api = APIRouter(prefix=API_PREFIX, dependencies=auth)
    for module in (flows, users, participants, assessors, groups, rooms, grades):
        api.include_router(module.router(store))
    app.include_router(api)
    app.include_router(admin.router(store), dependencies=auth)
    app.include_router(fault_router(faults), dependencies=auth)
    return app
