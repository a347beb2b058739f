"""The itslearning IMS ES sandbox: SOAP endpoints like itslearning's WCF services, over memory.

Endpoints (POST, ``text/xml``), as itslearning names them:

- ``/WCFServiceLibrary/ImsEnterpriseServicesPort.svc``: every operation;
- ``/WCFServiceLibrary/PersonManagementServiceSync.svc``, ``GroupManagementServiceSync.svc``,
  ``MembershipManagementServiceSync.svc``, ``ExtendedPersonManagementServiceSync.svc``: one
  binding each.

Every call needs the sandbox's UsernameToken and a timestamp, and is validated against the
project's IMS ES schemas before anything is carried out (:mod:`.wire`). The ``/_sandbox`` routes (HTTP Basic with the
same username and password) show what the site holds and switch faults on: a slow or failing
endpoint (shared with the FS and WISEflow sandboxes) and a per-item failure for a chosen sync key.
Handlers are ``async``, so they run one at a time on the event loop and the store needs no lock.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect

import edusync
from edusync.sandbox.fs.faults import ADMIN_PREFIX, FaultMiddleware, FaultState, fault_router
from edusync.sandbox.imses.operations import SERVED, dispatch
from edusync.sandbox.imses.spec.actions import ENDPOINTS
from edusync.sandbox.imses.store import Store
from edusync.sandbox.imses.wire import Fault, fault_body, read_request

XML = "text/xml; charset=utf-8"
# Module level: FastAPI resolves the (postponed) annotations of dependencies from module globals.
Credentials = Annotated[HTTPBasicCredentials | None, Depends(HTTPBasic(realm="IMS ES sandbox", auto_error=False))]


class FailItem(BaseModel):
    id: str = Field(min_length=1, description="the sync key whose creates and deletes fail")
    description: str = "sandbox fault injection: this item is refused"


def _same(given: str, wanted: str) -> bool:
    return secrets.compare_digest(given.encode(), wanted.encode())


def _basic_auth(username: str, password: str) -> Any:
    async def check(credentials: Credentials) -> None:
        if credentials is None or not (_same(credentials.username, username) & _same(credentials.password, password)):
            raise HTTPException(401, "valid HTTP Basic credentials required", {"WWW-Authenticate": "Basic"})

    return check


def _soap_route(app: FastAPI, path: str, store: Store, username: str, password: str) -> None:
    async def endpoint(request: Request) -> Response:
        try:
            data = await request.body()
        except ClientDisconnect:  # the client gave up (a timeout): nothing is carried out
            return Response(status_code=499)
        try:
            action = request.headers.get("soapaction")
            req = read_request(
                data, path=path, soap_action=action, served_here=SERVED, username=username, password=password
            )
            body = dispatch(store, req)
        except Fault as fault:
            return Response(fault_body(fault), status_code=500, media_type=XML)
        return Response(body, media_type=XML)

    app.add_api_route(path, endpoint, methods=["POST"], name=path.rsplit("/", 1)[-1], include_in_schema=False)


def _summary(store: Store) -> dict[str, Any]:
    return {
        "site": store.site,
        "persons": sorted(store.persons),
        "trash": sorted(store.trash),
        "restored": store.restored,
        "groups": {k: {"type": g.type, "name": g.name, "parent": g.parent} for k, g in sorted(store.groups.items())},
        "archived": sorted(store.archived),
        "memberships": {
            k: {"group": m.group, "person": m.person, "role": m.role} for k, m in sorted(store.memberships.items())
        },
        "calls": [list(c) for c in store.calls],
    }


def _admin(store: Store) -> APIRouter:
    admin = APIRouter(prefix=ADMIN_PREFIX, tags=["sandbox"])

    @admin.get("/summary")
    async def summary() -> dict[str, Any]:
        return _summary(store)

    @admin.post("/faults/items")
    async def fail_item(body: FailItem) -> dict[str, str]:
        store.failing[body.id] = body.description
        return store.failing

    @admin.delete("/faults/items")
    async def clear_items() -> dict[str, str]:
        store.failing.clear()
        return store.failing

    return admin


def create_app(*, username: str, password: str, site: str = "site") -> FastAPI:
    """An empty itslearning site whose main organisation has the sync key ``site``."""
    app = FastAPI(title="itslearning IMS ES sandbox", version=edusync.__version__)
    store = Store(site=site)
    faults = FaultState()
    app.state.store = store  # for debugging; tests and clients use HTTP
    app.add_middleware(FaultMiddleware, state=faults)
    app.state.system = "imses"  # the conformance ledger holds every exchange to itslearning's IMS ES
    for path in ENDPOINTS:
        _soap_route(app, path, store, username, password)
    auth = [Depends(_basic_auth(username, password))]
    app.include_router(_admin(store), dependencies=auth)
    app.include_router(fault_router(faults), dependencies=auth)
    return app
