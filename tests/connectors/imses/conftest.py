"""The itslearning IMS ES sandbox on a loopback port, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from edusync.connectors.imses import ImsesConnector, ImsesSettings
from edusync.sandbox.imses import COMBINED, create_app
from edusync.sandbox.imses.spec import ImsesChecker
from edusync.sandbox.serving import serve_in_thread
from edusync.testing import exchanges

USERNAME = "itsl-sync"
PASSWORD = "hemmelig-passord-42"


@dataclass
class Site:
    """One sandbox site: its base URL, combined endpoint, and the ``/_sandbox`` controls."""

    base: str

    @property
    def endpoint(self) -> str:
        return self.base + COMBINED

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.base}/_sandbox{path}", json=body, auth=(USERNAME, PASSWORD))
        response.raise_for_status()
        return response.json()

    def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("GET", "/summary")
        return result

    def fail_item(self, key: str, description: str = "refused on purpose") -> None:
        self.admin("POST", "/faults/items", {"id": key, "description": description})

    def delay(self, seconds: float, requests: int | None = None) -> None:
        self.admin("POST", "/faults/delay", {"seconds": seconds, "requests": requests})

    def down(self, requests: int, mode: str = "status") -> None:
        self.admin("POST", "/faults/down", {"requests": requests, "mode": mode})

    def calls(self) -> list[tuple[str, int]]:
        return [(op, n) for op, n in self.summary()["calls"]]

    def connector(self, **settings: Any) -> ImsesConnector:
        values: dict[str, Any] = {
            "url": self.endpoint,
            "username": USERNAME,
            "password": PASSWORD,
            "backoff": 0.01,
            "timeout": 5,
            **settings,
        }
        return ImsesConnector("itslearning", ImsesSettings.model_validate(values), Path("."))


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_in_thread(create_app(username=USERNAME, password=PASSWORD, site="fylke")) as url:
        yield Site(url)


@pytest.fixture
def connector(site: Site) -> Iterator[ImsesConnector]:
    conn = site.connector()
    yield conn
    conn.close()


@dataclass
class DriftingSite(Site):
    """A site whose exchanges are kept apart, for tests that break the specification on purpose.

    The suite fails a test whose exchanges break it; a test of how the connector or the sandbox
    copes with a wrong request instead asks the checker about each exchange kept here, and
    asserts that it names what is wrong in the request and finds the answer right, so that the
    checker is tested too.
    """

    kept: list[exchanges.Exchange] = field(default_factory=list)

    def problems(self) -> tuple[list[str], list[str]]:
        """The request problems and the answer problems of every exchange so far (controls left out)."""
        soap = [e for e in self.kept if not e.path.startswith("/_sandbox")]
        return [p for e in soap for p in CHECKER.request_problems(e)], [
            p for e in soap for p in CHECKER.answer_problems(e)
        ]


CHECKER = ImsesChecker()


@pytest.fixture
def drifting_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[DriftingSite]:
    monkeypatch.delenv(exchanges.ENV)  # kept out of the suite's ledger
    kept = exchanges.Kept()
    app = exchanges.Recording(create_app(username=USERNAME, password=PASSWORD, site="fylke"), CHECKER, kept)
    with serve_in_thread(app) as url:
        yield DriftingSite(url, kept.kept)
