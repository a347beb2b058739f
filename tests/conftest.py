"""Shared fixtures: a database on SQLite and on PostgreSQL, and a workspace with config and data.

PostgreSQL tests use a throwaway database on the server named by
``EDUSYNC_TEST_POSTGRES`` (default: the local server, user postgres). Where no
server answers they are skipped, unless ``EDUSYNC_REQUIRE_POSTGRES=1`` (as in CI),
which turns the skip into a failure.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from edusync.storage import Database, open_database
from edusync.testing import exchanges
from tests.workspace import Workspace

PG_URL = os.environ.get("EDUSYNC_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_admin() -> object | None:
    try:
        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return engine
    except Exception as exc:  # any failure to reach the server means "no PostgreSQL here"
        if os.environ.get("EDUSYNC_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {PG_URL}: {exc}")
        return None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object | None]:
    admin = _pg_admin()
    yield admin
    if admin is not None:
        admin.dispose()  # type: ignore[attr-defined]


def _fresh_pg_url(admin: object) -> tuple[str, str]:
    name = f"edusync_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), name


def _drop_pg(admin: object, name: str) -> None:
    with admin.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, pg_server: object | None) -> Iterator[str]:
    """A URL of an empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'edusync.db'}"
        return
    if pg_server is None:
        pytest.skip(f"no PostgreSQL at {PG_URL}")
    url, name = _fresh_pg_url(pg_server)
    try:
        yield url
    finally:
        _drop_pg(pg_server, name)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def workspace(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """The demo configuration and a small county in ``tmp_path``, on each database."""
    monkeypatch.setenv("EDUSYNC_DATABASE_URL", database_url)
    ws = Workspace(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
def sqlite_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """The same, on SQLite only (for tests whose subject is not the database)."""
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    ws = Workspace(tmp_path / "ws")
    yield ws
    ws.close()


# -- every exchange with a sandbox, held to the real system's specification --------------------

# One ledger per test process (pytest-xdist runs several) in a folder they share, so that each
# test reads only its own exchanges and the summary counts all of them.
_LEDGERS = Path(os.environ.setdefault("EDUSYNC_TEST_LEDGERS", tempfile.mkdtemp(prefix="edusync-conformance-")))
_LEDGER = _LEDGERS / f"exchanges-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl"
os.environ[exchanges.ENV] = str(_LEDGER)  # set before any sandbox starts, inherited by subprocesses


@pytest.fixture(autouse=True)
def conformance() -> Iterator[None]:
    """Fail a test whose exchanges with a sandbox break the real system's specification (either side)."""
    _, start = exchanges.read(_LEDGER)
    yield
    lines, _ = exchanges.read(_LEDGER, start)
    broken = [line for line in lines if line["problems"]]
    if broken:
        shown = "\n".join(
            f"  {b['system']} {b['kind']} ({b['method']} {b['path']} → {b['status']}): " + "; ".join(b["problems"][:5])
            for b in broken[:10]
        )
        pytest.fail(f"{len(broken)} exchanges break the specification:\n{shown}", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [line for ledger in sorted(_LEDGERS.glob("exchanges-*.jsonl")) for line in exchanges.read(ledger)[0]]
    if not lines:
        return
    count: Counter[str] = Counter(line["system"] for line in lines)
    kinds: dict[str, set[str]] = {}
    for line in lines:
        kinds.setdefault(line["system"], set()).add(line["kind"])
    broken = sum(1 for line in lines if line["problems"])
    terminalreporter.section("conformance")
    for system in sorted(count):
        terminalreporter.write_line(f"{system}: {count[system]} exchanges checked, {len(kinds[system])} message types")
    terminalreporter.write_line(f"breaking the specification: {broken}")
