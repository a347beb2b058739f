"""A folder with an edusync config and CSV data that tests change night by night."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from edusync.config.loader import LoadedConfig, load_config
from edusync.demo import data, demo
from edusync.pipeline.context import RunMode
from edusync.pipeline.run import Runner, RunOutcome
from edusync.services import objects, runs
from edusync.storage import Database, open_database

DAY0 = dt.datetime(2026, 8, 17, 2, 0, tzinfo=dt.UTC)


class Workspace:
    def __init__(self, folder: Path, size: str = "demo", seed: int = 5) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        self.config_path = folder / "edusync.yaml"
        self.settings: dict[str, Any] = yaml.safe_load(demo.template())
        self.county = data.generate(size, seed)
        self.write()
        self._db: Database | None = None

    # -- files ------------------------------------------------------------------------------

    def write(self) -> None:
        data.write(self.county, self.folder / "data")
        self.config_path.write_text(yaml.safe_dump(self.settings, sort_keys=False), encoding="utf-8")

    def configure(self, **changes: Any) -> None:
        """Replace top-level config sections, then write the config file."""
        self.settings.update(changes)
        self.write()

    # -- running ----------------------------------------------------------------------------

    @property
    def loaded(self) -> LoadedConfig:
        return load_config(self.config_path)

    @property
    def db(self) -> Database:
        if self._db is None:
            loaded = self.loaded
            self._db = open_database(loaded.config.storage.url, loaded.base_dir)
        return self._db

    def run(self, day: int = 0, *, dry_run: bool = False, profile: str = "nightly") -> RunOutcome:
        self.write()
        mode = RunMode.DRY_RUN if dry_run else RunMode.REAL
        return Runner(self.loaded, self.db).start(profile, mode=mode, now=DAY0 + dt.timedelta(days=day))

    def resume(self, run_id: int) -> RunOutcome:
        return Runner(self.loaded, self.db).resume(run_id)

    def run_info(self, run_id: int) -> dict[str, Any]:
        return runs.get_run(self.db, run_id)

    def show(self, kind: str, key: str) -> dict[str, Any]:
        return objects.show_object(self.db, self.loaded.config, kind, key)

    def out_lines(self) -> list[dict[str, Any]]:
        """Every change line the files target has published, in order."""
        import orjson

        lines = []
        for path in sorted((self.folder / "out").glob("*.jsonl")):
            lines += [orjson.loads(line) for line in path.read_bytes().splitlines() if line]
        return lines

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None

    # -- the county -------------------------------------------------------------------------

    def pupils(self) -> list[list[str]]:
        return [p for p in self.county.persons if p[6] == "student"]

    def remove_persons(self, ids: set[str]) -> None:
        self.county.persons = [p for p in self.county.persons if p[0] not in ids]
        self.county.memberships = [m for m in self.county.memberships if m[1] not in ids]
