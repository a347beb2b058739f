"""The exam cycle's test bench: both sandboxes on loopback, the fs-wiseflow profile, a database.

``cycle`` runs once on SQLite and once on PostgreSQL (the ``database_url`` fixture of
``tests/conftest.py``); ``sqlite_cycle`` is for tests whose subject is not the database. The
profile is the shipped ``fs-wiseflow.yaml`` with short retries, so an outage costs a test
seconds, not minutes. ``Cycle`` reads WISEflow and FS only through their HTTP APIs, except where
it plays what a person does in WISEflow's UI (the sandbox's store).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml

from edusync.config.loader import LoadedConfig, load_config
from edusync.connectors.wiseflow.references import encode
from edusync.demo.exams import TEMPLATE
from edusync.sandbox.fs import University, create_app, generate
from edusync.sandbox.serving import serve_in_thread
from edusync.sandbox.wiseflow import create_app as wiseflow_app
from edusync.services.exams.sync import ExamSyncOutcome, sync_exams
from edusync.storage import Database, open_database

TOKEN = "tok"
FS_USER, FS_PASSWORD = "u", "p"
MANAGER = "leder@sandvoll.example"


@dataclass
class Cycle:
    university: University
    fs: str
    wf: str
    folder: Path
    db_url: str
    api: httpx.Client  # WISEflow's API
    admin: httpx.Client  # WISEflow's /_sandbox routes
    fs_http: httpx.Client  # FS's API and its /_sandbox routes
    store: Any  # the WISEflow sandbox's memory, to play what a manager does in WISEflow's UI
    _db: Database | None = None

    # -- edusync ------------------------------------------------------------------------------

    @property
    def config_path(self) -> Path:
        return self.folder / "edusync.yaml"

    @property
    def loaded(self) -> LoadedConfig:
        return load_config(self.config_path)

    @property
    def db(self) -> Database:
        if self._db is None:
            loaded = self.loaded
            self._db = open_database(loaded.config.storage.url, loaded.base_dir)
        return self._db

    def configure(self, connector: str, **settings: Any) -> None:
        """Change one connector's settings in the profile."""
        config = yaml.safe_load(self.config_path.read_text(encoding="utf-8"))
        config["connectors"][connector]["settings"].update(settings)
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")

    def sync(self) -> ExamSyncOutcome:
        return sync_exams(self.loaded, self.db)

    # -- WISEflow -----------------------------------------------------------------------------

    def flow(self, exam_id: str) -> int:
        found = self.api.post("/flows/search", json={"metadata": {"externalSourceReference": encode(exam_id)}})
        [item] = found.json()["data"]
        return int(item["flowId"])

    def participants(self, flow_id: int) -> dict[str, dict[str, Any]]:
        items = self.api.get(f"/flows/{flow_id}/participants", params={"limit": 100}).json()["data"]
        return {p["uniqueExamId"]: p for p in items}

    def group_map(self, flow_id: int) -> dict[str, int]:
        """edusync's record of the flow's groups: FS kommisjon id → WISEflow group id."""
        recorded = json.loads((self.folder / "wiseflow-groups.json").read_text(encoding="utf-8"))
        return {k: int(v) for k, v in recorded["flows"].get(str(flow_id), {}).items()}

    def assessor_groups(self, flow_id: int) -> dict[str, dict[str, Any]]:
        """The flow's assessor groups as WISEflow holds them, by the FS kommisjon each one is."""
        items = {g["id"]: g for g in self.api.get(f"/flows/{flow_id}/assessor-groups").json()["data"]}
        return {kommisjon: items[group_id] for kommisjon, group_id in self.group_map(flow_id).items()}

    def groups(self, flow_id: int) -> dict[str, list[int]]:
        return {k: sorted(g["participantIds"]) for k, g in self.assessor_groups(flow_id).items()}

    def mark(self, flow_id: int, marks: list[dict[str, Any]]) -> None:
        self.admin.post(f"/flows/{flow_id}/grades", json=marks).raise_for_status()

    def wiseflow_down(self, **fault: Any) -> None:
        self.admin.post("/faults/down", json=fault).raise_for_status()

    def handled(self) -> dict[str, int]:
        """Requests the WISEflow sandbox carried out, by method and path."""
        body: dict[str, int] = self.admin.get("/requests").json()
        return body

    # -- FS -----------------------------------------------------------------------------------

    def fs_down(self, **fault: Any) -> None:
        self.fs_http.post("/_sandbox/faults/down", json=fault).raise_for_status()

    def fs_results(self, exam_id: str) -> dict[str, dict[str, Any]]:
        items = self.fs_http.get(f"/vurderingsenheter/{quote(exam_id, safe='')}/resultater").json()["items"]
        return {r["kandidatnr"]: r for r in items}

    def close(self) -> None:
        for client in (self.api, self.admin, self.fs_http):
            client.close()
        if self._db is not None:
            self._db.dispose()


def _profile(folder: Path) -> None:
    """The shipped profile, with retries short enough for a test."""
    config = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    for name in ("fs", "wiseflow"):
        config["connectors"][name]["settings"].update(retries=2, backoff=0.01, timeout=5)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "edusync.yaml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def make_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | None], Cycle]]:
    """Start both sandboxes and write the profile; the database is SQLite in the folder or the URL given."""
    opened: list[Cycle] = []
    stack: list[Any] = []

    def make(db_url: str | None) -> Cycle:
        university = generate(seed=1, size="small")
        wf_app = wiseflow_app(api_token=TOKEN)
        fs_cm = serve_in_thread(create_app(university, username=FS_USER, password=FS_PASSWORD))
        wf_cm = serve_in_thread(wf_app)
        fs, wf = fs_cm.__enter__(), wf_cm.__enter__()
        stack.extend([wf_cm, fs_cm])
        env = {"EDUSYNC_FS_URL": fs, "EDUSYNC_FS_USER": FS_USER, "EDUSYNC_FS_PASSWORD": FS_PASSWORD}
        env |= {"EDUSYNC_WISEFLOW_URL": f"{wf}/v1", "EDUSYNC_WISEFLOW_TOKEN": TOKEN}
        env |= {"EDUSYNC_WISEFLOW_MANAGER": MANAGER}
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        if db_url is None:
            monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
        else:
            monkeypatch.setenv("EDUSYNC_DATABASE_URL", db_url)
        folder = tmp_path / "exams"
        _profile(folder)
        headers = {"x-api-key": TOKEN}
        cycle = Cycle(
            university,
            fs,
            wf,
            folder,
            db_url or f"sqlite:///{folder / 'edusync.db'}",
            httpx.Client(base_url=f"{wf}/v1", headers=headers, timeout=10),
            httpx.Client(base_url=f"{wf}/_sandbox", headers=headers, timeout=10),
            httpx.Client(base_url=fs, auth=(FS_USER, FS_PASSWORD), timeout=10),
            wf_app.state.store,
        )
        opened.append(cycle)
        return cycle

    yield make
    for cycle in opened:
        cycle.close()
    for cm in stack:
        cm.__exit__(None, None, None)


@pytest.fixture
def cycle(make_cycle: Callable[[str | None], Cycle], database_url: str) -> Cycle:
    """The exam cycle on SQLite and on PostgreSQL."""
    return make_cycle(database_url)


@pytest.fixture
def sqlite_cycle(make_cycle: Callable[[str | None], Cycle]) -> Cycle:
    """The exam cycle on SQLite only, for tests whose subject is not the database."""
    return make_cycle(None)
