"""A county the CLI is pointed at: identifiers of every kind, people in the trash, a run that waits.

Night 1 syncs the demo county, in which some pupils carry FINT-style path anchors (two of them
ending in the same systemId), one pupil has a ``personalressurs`` path only its source object
holds, and two pupils share a name. Night 2 loses a few pupils (into the trash); night 3 loses a
third of the rest and the target's threshold blocks it. ``cli_site`` is built once per database
for the tests that only read; ``fresh_site`` is one of its own (nights 1 and 2) per test.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import _drop_pg, _fresh_pg_url
from tests.workspace import Workspace

EDUSYNC = shutil.which("edusync")
ELEV = "/utdanning/elev/elev/systemid/"
PERSONAL = "/administrasjon/personal/personalressurs/systemid/"


class PathWorkspace(Workspace):
    """The demo workspace, with a ``personalressurs`` column in persons.csv (empty but for a few)."""

    def __init__(self, folder: Path) -> None:
        self.personal: dict[str, str] = {}
        super().__init__(folder)

    def write(self) -> None:
        super().write()
        path = self.folder / "data" / "persons.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        rows[0].append("personalressurs")
        for row in rows[1:]:
            row.append(self.personal.get(row[0], ""))
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)

    def rename(self, old: str, new: str) -> None:
        """Give a person another anchor (its memberships follow)."""
        for p in self.county.persons:
            if p[0] == old:
                p[0] = new
        for m in self.county.memberships:
            if m[1] == old:
                m[1] = new


@dataclass
class Site:
    ws: PathWorkspace
    url: str
    blocked: int | None = None
    #: Person anchors by what they are there for.
    people: dict[str, Any] = field(default_factory=dict)

    @property
    def db(self) -> Any:
        return self.ws.db

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """``edusync ARGS`` in the site's folder, as an operator runs it."""
        assert EDUSYNC, "the edusync console script is not installed"
        env = {k: v for k, v in os.environ.items() if k not in ("EDUSYNC_DATABASE_URL", "EDUSYNC_CONFIG")}
        env |= {"EDUSYNC_ACTOR": "tester", "COLUMNS": "250"}
        return subprocess.run(
            [EDUSYNC, *args], cwd=self.ws.folder, env=env, input=input, capture_output=True, text=True, timeout=300
        )

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.db.begin() as conn:
            return conn.execute(text(sql), params).scalar()

    def column(self, sql: str, **params: Any) -> list[Any]:
        with self.db.begin() as conn:
            return list(conn.execute(text(sql), params).scalars())


def build(folder: Path, url: str, stack: ExitStack, *, block: bool) -> Site:
    ws = PathWorkspace(folder)
    stack.callback(ws.close)
    ws.settings["storage"] = {"url": url}
    person = next(o for o in ws.settings["targets"]["lms"]["objects"] if o["metaverse_type"] == "person")
    person["flows"].append({"to": "nin", "from": "nin"})  # so a change's before and after hold national ids
    pupils = ws.pupils()
    a, b, c, twin1, twin2 = pupils[:5]
    people = {"fnr": a[1], "feide": a[4], "twins": [twin1[0], twin2[0]]}
    ws.rename(a[0], ELEV + "7001")
    ws.rename(b[0], ELEV + "7002")
    ws.rename(c[0], PERSONAL + "7002")
    ws.personal[ELEV + "7001"] = PERSONAL + "8001"
    for twin in (twin1, twin2):
        twin[2], twin[3] = "Kari", "Samenavn"
    people |= {"paths": [ELEV + "7001", ELEV + "7002", PERSONAL + "7002"]}
    ws.write()
    assert ws.run().status == "done"
    gone = {p[0] for p in pupils[10:25]}
    people["school_of"] = {p[0]: p[7] for p in pupils}
    ws.remove_persons(gone)
    assert ws.run(day=1).status == "done"
    people["gone"] = sorted(gone)
    site = Site(ws, url, people=people)
    if block:
        ws.configure(safety={"input": {"max_loss_percent": 100, "max_drift_percent": None}})
        rest = ws.pupils()[5:]
        lost = {p[0] for p in rest[: len(rest) // 3]}
        ws.remove_persons(lost)
        people["renamed"] = a[3]
        a[3] = "Endretnavn"  # an update among the deletes: before → after
        blocked = ws.run(day=2)
        assert blocked.status == "blocked"
        site.blocked, people["lost"] = blocked.run_id, sorted(lost)
    return site


def _site(kind: str, folder: Path, pg_server: object | None, *, block: bool) -> Iterator[Site]:
    os.environ.pop("EDUSYNC_DATABASE_URL", None)
    with ExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite:///{folder / 'edusync.db'}"
        else:
            if pg_server is None:
                pytest.skip("no PostgreSQL")
            url, name = _fresh_pg_url(pg_server)
            stack.callback(_drop_pg, pg_server, name)
        yield build(folder / "ws", url, stack, block=block)


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def cli_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_server: object
) -> Iterator[Site]:
    """Three nights, the third blocked; only read from it."""
    yield from _site(request.param, tmp_path_factory.mktemp("cli"), pg_server, block=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_site(request: pytest.FixtureRequest, tmp_path: Path, pg_server: object) -> Iterator[Site]:
    """Two nights of its own, for a test that restores."""
    yield from _site(request.param, tmp_path, pg_server, block=False)
