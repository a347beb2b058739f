"""The WISEflow sandbox: WISEflow's REST API (OpenAPI 1.34.0 paths and payloads) over memory.

Served under ``/v1`` like ``https://europe-api.wiseflow.net/v1``, authenticated with the
``x-api-key`` header (WISEflow's API-token scheme; a wrong or missing key gets 401 and the bare
JSON string ``"Unauthorized"``). The ``/_sandbox`` controls need the same key. Everything lives in
one :class:`~.state.Store` per app, so each test can start from an empty licence.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

import edusync
from edusync.sandbox.fs.faults import FaultMiddleware, FaultState, fault_router
from edusync.sandbox.wiseflow import admin, assessors, flows, grades, groups, participants, rooms, users
from edusync.sandbox.wiseflow.envelope import api_key_check, install_handlers
from edusync.sandbox.wiseflow.state import Store

API_PREFIX = "/v1"


def create_app(*, api_token: str) -> FastAPI:
    """A fresh, empty WISEflow licence answering to ``x-api-key: <api_token>``."""
    app = FastAPI(title="WISEflow sandbox", version=edusync.__version__)
    store = Store()
    faults = FaultState()
    app.state.store = store  # for tests and debugging; clients use HTTP
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
