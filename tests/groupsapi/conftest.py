"""The groups API over real HTTP: a synced site on SQLite and on PostgreSQL, served by uvicorn on loopback.

The site is synced once per module and database; each test asks the running server
with tokens made as ``edusync tokens create`` makes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from edusync.groupsapi.app import create_app
from edusync.sandbox.serving import serve_in_thread
from edusync.services import tokens
from tests.conftest import _drop_pg, _fresh_pg_url
from tests.groupsapi.site import NOW, Site


@dataclass
class Api:
    """A running groups API and a way to get tokens for it."""

    site: Site
    url: str

    def token(
        self,
        *scopes: str,
        user: str | None = None,
        expires_in: dt.timedelta | None = None,
        at: dt.datetime | None = None,
    ) -> str:
        plain, _ = tokens.create(
            self.site.db, list(scopes or ["groups-edu"]), actor="test", user=user, expires_in=expires_in, now=at
        )
        return plain

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def as_user(self, user: str, *scopes: str) -> httpx.Client:
        return self.client(self.token(*(scopes or ("groups-edu",)), user=user))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_server: object) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("groupsapi")
    if request.param == "sqlite":
        built = Site(folder / "site", f"sqlite:///{folder / 'edusync.db'}")
        built.run()
        yield built
        built.close()
        return
    if pg_server is None:
        pytest.skip("no PostgreSQL")
    url, name = _fresh_pg_url(pg_server)
    built = Site(folder / "site", url)
    try:
        built.run()
        yield built
    finally:
        built.close()
        _drop_pg(pg_server, name)


@pytest.fixture(scope="module")
def api(site: Site) -> Iterator[Api]:
    with serve_in_thread(create_app(site.db, site.loaded.config.groups_api, clock=lambda: NOW)) as url:
        yield Api(site, url)


@pytest.fixture
def fresh_site(tmp_path: Path) -> Iterator[Site]:
    """A site of its own (for tests that change the data), on SQLite."""
    built = Site(tmp_path / "site", f"sqlite:///{tmp_path / 'edusync.db'}")
    yield built
    built.close()
