"""Whole runs through the engine: files in, itslearning out over IMS ES, the password from the environment.

Night by night: everything provisioned (a school, a course with its code, a course group, a class,
persons with their profiles, memberships with roles); a pupil leaves and goes to the trash; the
pupil comes back and is restored from it; a night the endpoint stays silent fails the changes
with an error naming the endpoint, and the next night sends them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from edusync.config.loader import load_config
from edusync.pipeline.run import Runner, RunOutcome
from edusync.storage import open_database
from tests.connectors.imses.conftest import PASSWORD, USERNAME, Site

ORGS = "id,name\nS1,Hylla skole\n"
PERSONS = (
    "id,firstname,lastname,feide,role\n"
    "p1,Åse,Ødegård,ase@fylke.no,student\n"
    "p2,Ola,Nordmann,ola@fylke.no,teacher\n"
    "p3,Kari,Berg,kari@fylke.no,student\n"
)
GROUPS = (
    "id,name,type,school,parent,code\n"
    "C1,Matematikk 1T,course,S1,,MAT1019\n"
    "CG1,1T gruppe A,coursegroup,S1,C1,\n"
    "K1,1STA,basisgruppe,S1,,\n"
)
MEMBERSHIPS = "id,person,group,role\nm1,p1,C1,student\nm2,p2,C1,teacher\nm3,p1,CG1,student\nm4,p3,K1,student\n"


def _config(endpoint: str) -> dict[str, Any]:
    return {
        "storage": {"url": "sqlite:///edusync.db"},
        "connectors": {
            "sis": {"type": "files", "settings": {"input": "data"}},
            "itslearning": {"type": "imses", "settings": {
                "url": endpoint, "username": USERNAME, "password": "${EDUSYNC_TEST_IMSES_PASSWORD}",
                "timeout": 1.0, "retries": 1, "backoff": 0.01, "batch_size": 2}},
        },
        "sync": [
            {"connector": "sis", "object_type": "organisation", "metaverse_type": "organisation",
             "flows": [{"to": "name", "from": "name"}]},
            {"connector": "sis", "object_type": "person", "metaverse_type": "person", "flows": [
                {"to": "firstName", "from": "firstname"}, {"to": "lastName", "from": "lastname"},
                {"to": "feide", "from": "feide"}, {"to": "role", "from": "role"}]},
            {"connector": "sis", "object_type": "group", "metaverse_type": "group", "flows": [
                {"to": "name", "from": "name"}, {"to": "groupType", "from": "type"}, {"to": "code", "from": "code"},
                {"to": "school", "from": "school", "ref": "organisation"},
                {"to": "parent", "from": "parent", "ref": "group"}]},
            {"connector": "sis", "object_type": "membership", "metaverse_type": "membership", "flows": [
                {"to": "person", "from": "person", "ref": "person"}, {"to": "group", "from": "group", "ref": "group"},
                {"to": "role", "from": "role"}]},
        ],
        "targets": {"itslearning": {"objects": [
            {"metaverse_type": "organisation", "object_type": "organisation",
             "flows": [{"to": "name", "from": "name"}]},
            {"metaverse_type": "person", "object_type": "person", "deprovision": "soft_delete", "flows": [
                {"to": "givenName", "from": "firstName"}, {"to": "familyName", "from": "lastName"},
                {"to": "username", "from": "feide"}, {"to": "role", "from": "role"}]},
            {"metaverse_type": "group", "object_type": "group", "flows": [
                {"to": "name", "from": "name"}, {"to": "groupType", "from": "groupType"},
                {"to": "courseCode", "from": "code"}, {"to": "school", "from": "school"},
                {"to": "parent", "from": "parent"}]},
            {"metaverse_type": "membership", "object_type": "membership", "flows": [
                {"to": "person", "from": "person"}, {"to": "group", "from": "group"}, {"to": "role", "from": "role"}]},
        ], "thresholds": {"*": {"delete": {"max_percent": 100}}}}},
        "safety": {"input": {"max_loss_percent": 60, "max_drift_percent": None}},
        "profiles": {"nightly": ["sis:import", "sync", "lifecycle", "itslearning:export"]},
    }  # fmt: skip


class Night:
    def __init__(self, folder: Path, endpoint: str) -> None:
        self.data = folder / "data"
        self.data.mkdir()
        self.config = folder / "edusync.yaml"
        self.config.write_text(yaml.safe_dump(_config(endpoint), allow_unicode=True), encoding="utf-8")
        self.files = {"orgs": ORGS, "persons": PERSONS, "groups": GROUPS, "memberships": MEMBERSHIPS}

    def run(self) -> RunOutcome:
        for name, content in self.files.items():
            (self.data / f"{name}.csv").write_text(content, encoding="utf-8")
        loaded = load_config(self.config)
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        try:
            return Runner(loaded, db).start("nightly")
        finally:
            db.dispose()


def _by_name(summary: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    groups = summary["groups"]
    return {g["name"]: (g["type"], groups[g["parent"]]["name"] if g["parent"] else None) for g in groups.values()}


def test_nights_provision_trash_restore_and_survive_a_silent_endpoint(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUSYNC_TEST_IMSES_PASSWORD", PASSWORD)
    night = Night(tmp_path, site.endpoint)

    first = night.run()
    assert first.status == "done" and not first.report.errors, first.report.errors
    # The course group points at its course, an object of the same rule: the sync resolves it in the same run.
    assert not first.report.as_dict()["sync"]["sis/group"].get("unresolved")
    summary = site.summary()
    assert _by_name(summary) == {
        "Site": ("Site", None),
        "Hylla skole": ("School", None),
        "Matematikk 1T": ("Course", "Hylla skole"),
        "1T gruppe A": ("CourseGroup", "Matematikk 1T"),
        "1STA": ("Unspecified", "Hylla skole"),
    }
    assert len(summary["persons"]) == 3 and all(k.startswith("per-") for k in summary["persons"])
    roles = sorted(m["role"] for m in summary["memberships"].values())
    assert roles == ["Instructor", "Learner", "Learner", "Learner"]
    assert ("createPersons", 2) in site.calls() and ("createMemberships", 2) in site.calls()

    # Night two: Kari leaves. She goes to itslearning's trash, her class membership is deleted.
    night.files["persons"] = PERSONS.replace("p3,Kari,Berg,kari@fylke.no,student\n", "")
    night.files["memberships"] = MEMBERSHIPS.replace("m4,p3,K1,student\n", "")
    second = night.run()
    assert second.status == "done" and not second.report.errors, second.report.errors
    summary = site.summary()
    assert len(summary["persons"]) == 2 and len(summary["trash"]) == 1 and len(summary["memberships"]) == 3
    kari = summary["trash"][0]

    # Night three: Kari is back, with the same sync key: restored from the trash, her membership re-created.
    night.files = {"orgs": ORGS, "persons": PERSONS, "groups": GROUPS, "memberships": MEMBERSHIPS}
    third = night.run()
    assert third.status == "done" and not third.report.errors, third.report.errors
    summary = site.summary()
    assert kari in summary["persons"] and summary["trash"] == [] and summary["restored"] == 1
    assert len(summary["memberships"]) == 4

    # Night four: a course is renamed, but itslearning does not answer in time.
    night.files["groups"] = GROUPS.replace("Matematikk 1T", "Matematikk 1P")
    site.delay(3.0)
    fourth = night.run()
    assert len(fourth.report.errors) == 1, "the one change failed, with its reason"
    assert any(f"createGroup at {site.endpoint}: no answer within 1 s (2 attempts)" in e for e in fourth.report.errors)
    site.admin("DELETE", "/faults")
    assert "Matematikk 1T" in _by_name(site.summary())

    # Night five: the endpoint answers again, and the rename goes through.
    fifth = night.run()
    assert fifth.status == "done" and not fifth.report.errors, fifth.report.errors
    assert "Matematikk 1P" in _by_name(site.summary())
