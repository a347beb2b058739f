"""A real run: Catalyst's OneRoster 1.1 set through the engine into a OneRoster 1.2 package (checked by the binding)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from edusync.config.loader import load_config
from edusync.pipeline.run import Runner
from edusync.services import runs
from edusync.storage import open_database
from tests.connectors.oneroster.conftest import CATALYST, rows


def _flows(*pairs: str, refs: dict[str, str] | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in pairs:
        to, src = p.split("<")
        flow: dict[str, Any] = {"to": to, "from": src}
        if refs and to in refs:
            flow["ref"] = refs[to]
        out.append(flow)
    return out


def config(folder: Path, package: Path) -> Path:
    settings = {
        "storage": {"url": "sqlite:///edusync.db"},
        "connectors": {
            "sis": {"type": "oneroster-csv", "settings": {"input": str(package)}},
            "roster": {"type": "oneroster-csv", "settings": {"output": "out"}},
        },
        "sync": [
            {"connector": "sis", "object_type": "organisation", "metaverse_type": "organisation",
             # Its parent is not in the set: a reference flow would leave the school (and all in it) unresolved.
             "flows": _flows("name<name", "type<type")},
            {"connector": "sis", "object_type": "person", "metaverse_type": "person",
             "flows": _flows("firstName<givenName", "lastName<familyName", "username<username", "mail<email",
                             "affiliation<role", "school<school", refs={"school": "organisation"})},
            {"connector": "sis", "object_type": "group", "metaverse_type": "group",
             "flows": _flows("name<name", "groupType<classType", "school<school", refs={"school": "organisation"})},
            {"connector": "sis", "object_type": "membership", "metaverse_type": "membership",
             "flows": _flows("person<person", "group<group", "role<role", "begin<begin", "end<end",
                             refs={"person": "person", "group": "group"})},
        ],
        "targets": {"roster": {"objects": [
            {"metaverse_type": "organisation", "object_type": "organisation",
             "flows": _flows("name<name", "type<type")},
            {"metaverse_type": "person", "object_type": "person",
             "flows": _flows("username<username", "givenName<firstName", "familyName<lastName", "email<mail",
                             "role<affiliation", "school<school")},
            {"metaverse_type": "group", "object_type": "group",
             "flows": _flows("name<name", "groupType<groupType", "school<school")},
            {"metaverse_type": "membership", "object_type": "membership",
             "flows": _flows("person<person", "group<group", "role<role", "begin<begin", "end<end")},
        ]}},
        "profiles": {"nightly": ["sis:import", "sync", "roster:export"]},
        "default_profile": "nightly",
    }  # fmt: skip
    path = folder / "edusync.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


def test_a_oneroster_set_runs_through_the_engine_into_a_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    loaded = load_config(config(tmp_path, CATALYST / "Test_full_data_set.zip"))
    db = open_database(loaded.config.storage.url, loaded.base_dir)
    outcome = Runner(loaded, db).start("nightly", now=dt.datetime(2026, 10, 5, 2, 0, tzinfo=dt.UTC))
    report = runs.get_run(db, outcome.run_id)
    assert outcome.exit_code == 0, report
    assert any("orgs.csv:2: column parentSourcedId: 'org-sch-222-3456' is not in orgs.csv" in w
               for w in report["warnings"]), "the source's warnings reach the run report"  # fmt: skip
    (package,) = (tmp_path / "out").glob("*-bulk.zip")
    users = {r["username"]: r for r in rows(package, "users.csv")}
    assert set(users) == {"john.doe", "mary.jones", "thomas.joness", "jim.smith", "mmichel.jones", "anna.brown"}
    roles = {(r["userSourcedId"], r["role"]) for r in rows(package, "roles.csv")}
    assert (users["thomas.joness"]["sourcedId"], "parent") in roles
    classes = rows(package, "classes.csv")
    assert [c["title"] for c in classes] == ["Introduction to Physics"]
    enrollments = rows(package, "enrollments.csv")
    assert len(enrollments) == 3 and {e["beginDate"] for e in enrollments} == {"2022-03-15"}
    db.dispose()
