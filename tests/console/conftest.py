"""The console over real HTTP: a county synced one night, blocked the next, served by uvicorn on loopback.

``console_site`` is built once per module and database, for tests that only read; ``fresh_console``
is a site of its own per test, for those that approve, reject, restore or retry.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from edusync.console.app import create_app
from edusync.sandbox.serving import serve_in_thread
from edusync.services import browse, tokens, users
from tests.conftest import _drop_pg, _fresh_pg_url
from tests.workspace import Workspace

PASSWORD = "correct horse battery"
#: One user per role (and an approver who also operates, for four-eyes).
PEOPLE = {
    "viewer@fylke.no": ["viewer"],
    "operator@fylke.no": ["operator"],
    "approver@fylke.no": ["approver"],
    "admin@fylke.no": ["admin"],
    "both@fylke.no": ["operator", "approver"],
}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Console:
    ws: Workspace
    url: str
    blocked: int
    gone: set[str]
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def db(self) -> Any:
        return self.ws.db

    def client(self, **headers: str) -> httpx.Client:
        c = httpx.Client(base_url=self.url, headers=headers, timeout=60, follow_redirects=False)
        self.clients.append(c)
        return c

    def token(self, *scopes: str, user: str | None = None) -> str:
        plain, _ = tokens.create(self.db, list(scopes), actor="test", user=user)
        return plain

    def bearer(self, *scopes: str, user: str | None = None) -> httpx.Client:
        return self.client(Authorization=f"Bearer {self.token(*scopes, user=user)}")

    def login(self, username: str, password: str = PASSWORD) -> httpx.Client:
        """A client signed in through the login form, sending the session's CSRF token on API calls."""
        c = self.client()
        page = c.get("/login")
        login_csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        answer = c.post("/login", data={"username": username, "password": password, "csrf": login_csrf, "next": "/"})
        assert answer.status_code == 303, answer.text
        csrf = CSRF.search(c.get("/").text).group(1)  # type: ignore[union-attr]
        c.headers["X-CSRF-Token"] = csrf
        c.csrf = csrf  # type: ignore[attr-defined]
        return c

    def wait_for(self, run_id: int, *statuses: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            run = browse.get_run(self.db, run_id)
            if run["status"] in statuses:
                return run
            assert time.monotonic() < deadline, f"run {run_id} is still {run['status']}"
            time.sleep(0.2)

    def close(self) -> None:
        for c in self.clients:
            c.close()


def build(folder: Path, url: str, stack: ExitStack) -> Console:
    ws = Workspace(folder)
    ws.settings["storage"] = {"url": url}
    ws.write()
    stack.callback(ws.close)
    assert ws.run().status == "done"
    ws.configure(safety={"input": {"max_loss_percent": 100, "max_drift_percent": None}})
    pupils = ws.pupils()
    gone = {p[0] for p in pupils[: int(len(pupils) * 0.3)]}
    ws.remove_persons(gone)
    blocked = ws.run(day=1)
    assert blocked.status == "blocked"
    for name, roles in PEOPLE.items():
        users.create(ws.db, name, roles, actor="test", password=PASSWORD)
    app = create_app(ws.loaded, ws.db)
    url_served = stack.enter_context(serve_in_thread(app))
    site = Console(ws, url_served, blocked.run_id, gone)
    stack.callback(site.close)
    return site


def _site(kind: str, folder: Path, pg_server: object | None) -> Iterator[Console]:
    os.environ.pop("EDUSYNC_DATABASE_URL", None)
    with ExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite:///{folder / 'edusync.db'}"
        else:
            if pg_server is None:
                pytest.skip("no PostgreSQL")
            url, name = _fresh_pg_url(pg_server)
            stack.callback(_drop_pg, pg_server, name)
        yield build(folder / "ws", url, stack)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_server: object
) -> Iterator[Console]:
    """A blocked night, served; only read from it."""
    yield from _site(request.param, tmp_path_factory.mktemp("console"), pg_server)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_console(request: pytest.FixtureRequest, tmp_path: Path, pg_server: object) -> Iterator[Console]:
    """A blocked night of its own, served, for a test that changes it."""
    yield from _site(request.param, tmp_path, pg_server)


@pytest.fixture
def sqlite_console(tmp_path: Path) -> Iterator[Console]:
    yield from _site("sqlite", tmp_path, None)
