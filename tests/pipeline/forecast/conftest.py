"""A county from the FINT sandbox with the VIGO-BAS profile, two nights in: the sandbox lived one school day
between them (pupils leave: their elevforhold and memberships end that day), so the connector space
holds relations that end tomorrow."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import text

from edusync.config.loader import LoadedConfig, load_config
from edusync.connectors.fint import FintConnector
from edusync.demo.fint_demo import template
from edusync.pipeline.run import Runner, RunOutcome
from edusync.sandbox.fint import create_app, generate
from edusync.sandbox.serving import serve_in_thread
from edusync.storage import Database, open_database
from tests.conftest import _drop_pg, _fresh_pg_url
from tests.connectors.fint.conftest import Fint

TODAY = dt.date(2026, 11, 23)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)


@dataclass
class Site:
    folder: Path
    fint: Fint
    loaded: LoadedConfig
    db: Database
    #: The sandbox's day after the school day it lived: the leavers' last day.
    last_day: dt.date

    def run(self, day: dt.date) -> RunOutcome:
        return Runner(self.loaded, self.db).start(now=at(day))

    def persons_at(self, day: dt.date) -> set[str]:
        """The person anchors FINT's criteria admit on ``day`` (the connector read directly)."""
        con = FintConnector("fint", self.fint.settings(), Path("."))
        con.today = day
        try:
            return {r.anchor for r in con.import_objects("eduPerson")}
        finally:
            con.close()

    def rows(self) -> dict[str, Any]:
        """Every table's rows, in order: what "nothing stored" is checked against."""
        out: dict[str, Any] = {}
        with self.db.begin() as conn:
            names = [r[0] for r in conn.execute(text(_TABLES_SQL if self.db.is_sqlite else _PG_TABLES_SQL))]
            for name in sorted(names):
                out[name] = sorted(map(repr, conn.execute(text(f'SELECT * FROM "{name}"')).all()))
        return out

    def out_files(self) -> dict[str, bytes]:
        root = self.folder / "out"
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


_TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
_PG_TABLES_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path: Path, pg_server: object | None) -> Iterator[Site]:
    if request.param == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'edusync.db'}", None
    else:
        if pg_server is None:
            pytest.skip("no PostgreSQL")
        url, name = _fresh_pg_url(pg_server)
    county = generate(seed=7, size="small", today=TODAY)
    app = create_app(county, client_id="c", client_secret="s", username="u", password="p", pending_polls=1)
    saved = {k: os.environ.get(k) for k in ("FINT_CLIENT_SECRET", "FINT_PASSWORD", "EDUSYNC_DATABASE_URL")}
    os.environ |= {"FINT_CLIENT_SECRET": "s", "FINT_PASSWORD": "p"}
    os.environ.pop("EDUSYNC_DATABASE_URL", None)
    try:
        with serve_in_thread(app) as base:
            fint = Fint(base, httpx.get(f"{base}/_sandbox/scenario").json())
            doc = yaml.safe_load(template())
            doc["storage"]["url"] = url
            doc["connectors"]["fint"]["settings"].update(
                base_url=base,
                token_url=f"{base}/nidp/oauth/nam/token",
                client_id="c",
                username="u",
                feide_realm="fjordheim.no",
                page_size=100,
            )
            (tmp_path / "edusync.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
            loaded = load_config(tmp_path / "edusync.yaml")
            db = open_database(loaded.config.storage.url, loaded.base_dir)
            s = Site(tmp_path, fint, loaded, db, TODAY + dt.timedelta(days=1))
            assert s.run(TODAY).status == "done"
            fint.admin("advance", days=1)
            assert s.run(s.last_day).status == "done"
            yield s
            db.dispose()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if name is not None:
            _drop_pg(pg_server, name)
