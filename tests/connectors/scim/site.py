"""A folder with an edusync config (files in, the ``scim`` target out) and CSV data that tests change night by night."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from edusync.config.loader import load_config
from edusync.pipeline.run import Runner, RunOutcome
from edusync.storage import open_database

ORGS = "id,name\nS1,Hylla skole\n"
PERSONS = (
    "id,firstname,lastname,feide,email,employee,role,fnr\n"
    "p1,Åse,Ødegård,ase@fylke.no,ase@hylla.no,E1,student,01010012356\n"
    "p2,Ola,Nordmann,ola@fylke.no,ola@hylla.no,E2,teacher,\n"
    "p3,Kari,Berg,kari@fylke.no,,E3,student,\n"
    "p4,Per,Li,per@fylke.no,,E4,student,\n"
    "p5,Anne,Dal,anne@fylke.no,,E5,student,\n"
)
GROUPS = "id,name,school\nK1,1STA,S1\nK2,1STB,S1\nC1,Matematikk 1T,S1\n"
MEMBERSHIPS = (
    "id,person,group,role\n"
    "m1,p1,K1,student\nm2,p2,K1,teacher\nm3,p3,K1,student\nm4,p4,K2,student\n"
    "m5,p5,K2,student\nm6,p1,C1,student\nm7,p2,C1,teacher\n"
)
FILES = {"orgs": ORGS, "persons": PERSONS, "groups": GROUPS, "memberships": MEMBERSHIPS}


def config(url: str, **settings: Any) -> dict[str, Any]:
    return {
        "storage": {"url": "sqlite:///edusync.db"},
        "connectors": {
            "sis": {"type": "files", "settings": {"input": "data"}},
            "saas": {"type": "scim", "settings": {"url": url, "timeout": 2.0, "retries": 1, "backoff": 0.01,
                                                  **settings}},
        },
        "sync": [
            {"connector": "sis", "object_type": "organisation", "metaverse_type": "organisation",
             "flows": [{"to": "name", "from": "name"}]},
            {"connector": "sis", "object_type": "person", "metaverse_type": "person", "flows": [
                {"to": "nin", "from": "fnr", "rule": "fnr_or_none"},
                {"to": "firstName", "from": "firstname"}, {"to": "lastName", "from": "lastname"},
                {"to": "feide", "from": "feide"}, {"to": "mail", "from": "email"},
                {"to": "employee", "from": "employee"}, {"to": "role", "from": "role"},
                {"to": "school", "from": "school", "ref": "organisation"}]},
            {"connector": "sis", "object_type": "group", "metaverse_type": "group", "flows": [
                {"to": "name", "from": "name"}, {"to": "school", "from": "school", "ref": "organisation"}]},
            {"connector": "sis", "object_type": "membership", "metaverse_type": "membership", "flows": [
                {"to": "person", "from": "person", "ref": "person"}, {"to": "group", "from": "group", "ref": "group"}]},
        ],
        "targets": {"saas": {"objects": [
            {"metaverse_type": "person", "object_type": "user", "deprovision": "soft_delete", "flows": [
                {"to": "userName", "from": "feide"}, {"to": "givenName", "from": "firstName"},
                {"to": "familyName", "from": "lastName"}, {"to": "email", "from": "mail"},
                {"to": "employeeNumber", "from": "employee"}, {"to": "userType", "from": "role"},
                {"to": "organization", "constant": "Vestfold fylkeskommune"}]},
            {"metaverse_type": "group", "object_type": "group", "flows": [{"to": "displayName", "from": "name"}]},
            {"metaverse_type": "membership", "object_type": "membership", "flows": [
                {"to": "person", "from": "person"}, {"to": "group", "from": "group"}]},
        ], "thresholds": {"*": {"delete": {"max_percent": 100}}}}},
        "safety": {"input": {"max_loss_percent": 60, "max_drift_percent": None}},
        "profiles": {"nightly": ["sis:import", "sync", "lifecycle", "saas:export"]},
    }  # fmt: skip


class Site:
    def __init__(self, folder: Path, url: str, batch_size: int | None = None, **settings: Any) -> None:
        self.data = folder / "data"
        self.data.mkdir(parents=True)
        self.config = folder / "edusync.yaml"
        values = config(url, **settings)
        if batch_size:
            values["targets"]["saas"]["batch_size"] = batch_size
        self.config.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
        self.files = dict(FILES)
        self.write()

    def write(self) -> None:
        for name, content in self.files.items():
            (self.data / f"{name}.csv").write_text(content, encoding="utf-8")

    def run(self) -> RunOutcome:
        self.write()
        loaded = load_config(self.config)
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        try:
            return Runner(loaded, db).start("nightly")
        finally:
            db.dispose()


def held(server: Any) -> dict[str, Any]:
    """What a service holds, comparable between two services: ids and versions left out, members by externalId."""
    users = server.by_external_id("User")
    ids = {u["id"]: key for key, u in users.items()}
    out: dict[str, Any] = {}
    for kind, found in (("User", users), ("Group", server.by_external_id("Group"))):
        for key, resource in found.items():
            data = {k: v for k, v in resource.items() if k not in ("id", "meta")}
            if "members" in data:
                data["members"] = sorted(ids.get(m["value"], "?") for m in data["members"])
            out[f"{kind}/{key}"] = data
    return out
