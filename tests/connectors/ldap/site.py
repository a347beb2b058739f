"""A folder with a CSV of pupils, a config that provisions them into slapd, and night-by-night runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from edusync.config.loader import load_config
from edusync.pipeline.context import Progress, RunMode
from edusync.pipeline.gate import approvals
from edusync.pipeline.run import Runner, RunOutcome
from edusync.storage import open_database
from edusync.testing.slapd import Slapd

HEADER = "id,firstname,lastname,feide,role,email,mobile\n"


def people(n: int) -> str:
    rows = [
        f"p{i:04d},Elev,Nummer {i},elev{i}@example.no,student,elev{i}@elev.example.no,+47900{i:05d}" for i in range(n)
    ]
    return HEADER + "\n".join(rows) + "\n"


def config(slapd: Slapd, base_dn: str, batch_size: int, **target: Any) -> dict[str, Any]:
    return {
        "storage": {"url": "sqlite:///edusync.db"},
        "connectors": {
            "sis": {"type": "files", "settings": {"input": "data", "types": {"person": {"file": "persons"}}}},
            "feide": {"type": "ldap", "settings": {
                "url": slapd.url, "bind_dn": slapd.root_dn, "bind_password": "${EDUSYNC_TEST_LDAP_PASSWORD}",
                "base_dn": base_dn, "timeout": 5, "connect_timeout": 2}},
        },
        "sync": [{"connector": "sis", "object_type": "person", "metaverse_type": "person", "flows": [
            {"to": "firstName", "from": "firstname"}, {"to": "lastName", "from": "lastname"},
            {"to": "feide", "from": "feide"}, {"to": "role", "from": "role"}, {"to": "mail", "from": "email"},
            {"to": "mobile", "from": "mobile"}]}],
        "targets": {"feide": {"batch_size": batch_size, **target, "objects": [
            {"metaverse_type": "person", "object_type": "person", "flows": [
                {"to": "givenName", "from": "firstName"}, {"to": "sn", "from": "lastName"},
                {"to": "displayName", "from": ["firstName", "lastName"], "rule": "join_space"},
                {"to": "eduPersonPrincipalName", "from": "feide"}, {"to": "eduPersonAffiliation", "from": "role"},
                {"to": "mail", "from": "mail"}, {"to": "mobile", "from": "mobile"}]}]}},
        "profiles": {"nightly": ["sis:import", "sync", "lifecycle", "feide:export"]},
    }  # fmt: skip


class Site:
    """``target`` options (``reconcile: false``, thresholds…) go into the ``feide`` target's config."""

    def __init__(
        self, folder: Path, slapd: Slapd, base_dn: str, persons: str, batch_size: int = 500, **target: Any
    ) -> None:
        self.folder = folder
        (folder / "data").mkdir(parents=True)
        self.write(persons)
        settings = config(slapd, base_dn, batch_size, **target)
        (folder / "edusync.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")

    def write(self, persons: str) -> None:
        (self.folder / "data" / "persons.csv").write_text(persons, encoding="utf-8")

    def run(self, progress: Progress | None = None, *, dry_run: bool = False) -> RunOutcome:
        loaded = load_config(self.folder / "edusync.yaml")
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        try:
            runner = Runner(loaded, db, progress=progress) if progress else Runner(loaded, db)
            return runner.start("nightly", mode=RunMode.DRY_RUN if dry_run else RunMode.REAL)
        finally:
            db.dispose()

    def approve(self, outcome: RunOutcome) -> RunOutcome:
        """Approve a blocked run (bound to the hash it was blocked with) and let it go on."""
        assert outcome.block is not None
        loaded = load_config(self.folder / "edusync.yaml")
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        try:
            approvals.approve(db, outcome.run_id, "ops@example.no", outcome.block["hash"][:12])
            return Runner(loaded, db).resume(outcome.run_id)
        finally:
            db.dispose()
