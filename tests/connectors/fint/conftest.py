"""A small county from the FINT sandbox, served over real HTTP on loopback, one per test module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from edusync.connectors.fint import FintConnector
from edusync.connectors.fint.settings import FintSettings
from edusync.model.records import SourceRecord
from edusync.sandbox.fint import create_app, generate
from edusync.sandbox.serving import serve_in_thread

TODAY = dt.date(2026, 11, 23)


@dataclass
class Fint:
    base: str
    scenario: dict[str, Any]

    def admin(self, route: str, **params: Any) -> Any:
        resp = httpx.post(f"{self.base}/_sandbox/{route}", params=params)
        resp.raise_for_status()
        return resp.json()

    def settings(self, **changes: Any) -> FintSettings:
        values: dict[str, Any] = {
            "base_url": self.base,
            "token_url": f"{self.base}/nidp/oauth/nam/token",
            "client_id": "c",
            "client_secret": SecretStr("s"),
            "username": "u",
            "password": SecretStr("p"),
            "backoff_s": 0.0,
            "retries": 3,
            "page_size": 100,
            "write_poll_s": 0.0,
            "feide_realm": "fjordheim.no",
        }
        return FintSettings(**(values | changes))

    def connector(self, today: dt.date = TODAY, **changes: Any) -> FintConnector:
        con = FintConnector("fint", self.settings(**changes), Path("."))
        con.today = today
        return con


def records(con: FintConnector, object_type: str, since: str | None = None) -> dict[str, SourceRecord]:
    return {r.anchor: r for r in con.import_objects(object_type, since=since)}


def people(con: FintConnector) -> dict[str, dict[str, Any]]:
    return {a: r.attrs for a, r in records(con, "eduPerson").items()}


@pytest.fixture(scope="module")
def fint() -> Iterator[Fint]:
    county = generate(seed=7, size="small", today=TODAY)
    app = create_app(county, client_id="c", client_secret="s", username="u", password="p", pending_polls=1)
    with serve_in_thread(app) as base:
        yield Fint(base, httpx.get(f"{base}/_sandbox/scenario").json())


@pytest.fixture
def clean(fint: Fint) -> Iterator[Fint]:
    """The module's sandbox with every fault and forced write outcome cleared afterwards."""
    yield fint
    fint.admin("faults/clear")
    fint.admin("writes/outcome", result="accept", count=0)
