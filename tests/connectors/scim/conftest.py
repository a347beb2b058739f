"""scim2-server (a third-party SCIM service) on a loopback port, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edusync.connectors.scim import ScimConnector, ScimSettings
from edusync.model.records import Change, Op
from edusync.sandbox.scim import ScimServer


def connector(server: ScimServer, **settings: Any) -> ScimConnector:
    values: dict[str, Any] = {"url": server.url, "backoff": 0.01, "timeout": 5, **settings}
    return ScimConnector("saas", ScimSettings.model_validate(values), Path("."))


def user(i: int, key: str | None = None, op: Op = Op.ADD, **attrs: Any) -> Change:
    key = key or f"p{i}"
    values = {"userName": f"{key}@fylke.no", "givenName": "Åse", "familyName": f"Ødegård {key}", **attrs}
    return Change(id=i, object_type="user", key=key, op=op, attrs={k: v for k, v in values.items() if v is not None})


def group(i: int, key: str, name: str, op: Op = Op.ADD) -> Change:
    return Change(id=i, object_type="group", key=key, op=op, attrs={"displayName": name})


def member(i: int, person: str, grp: str, op: Op = Op.ADD) -> Change:
    return Change(id=i, object_type="membership", key=f"{person}:{grp}", op=op, attrs={"person": person, "group": grp})


@pytest.fixture
def server() -> Iterator[ScimServer]:
    with ScimServer() as s:
        yield s


@pytest.fixture
def scim(server: ScimServer) -> Iterator[ScimConnector]:
    conn = connector(server)
    yield conn
    conn.close()
