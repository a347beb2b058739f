"""Whole runs through the engine: files in, the Feide catalogue out, with the secret from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from edusync.config.loader import load_config
from edusync.pipeline.run import Runner
from edusync.storage import open_database
from edusync.testing.slapd import Slapd
from tests.connectors.ldap.helpers import read

ORGS = "id,name,orgnr,type\ncounty,Eksempel fylkeskommune,975278964,county\nhylla,Hylla skole,974567890,school\n"
PERSONS = (
    "id,firstname,lastname,feide,school,role,email\n"
    "p1,Åse,Ødegård,ase@example.no,hylla,student,ase@elev.example.no\n"
    "p2,Ola,Nordmann,ola@example.no,hylla,faculty,ola@example.no\n"
)


def _config(slapd: Slapd, base_dn: str) -> dict[str, object]:
    return {
        "storage": {"url": "sqlite:///edusync.db"},
        "connectors": {
            "sis": {"type": "files", "settings": {"input": "data", "types": {
                "organisation": {"file": "orgs"}, "person": {"file": "persons"}}}},
            "feide": {"type": "ldap", "settings": {
                "url": slapd.url, "bind_dn": slapd.root_dn, "bind_password": "${EDUSYNC_TEST_LDAP_PASSWORD}",
                "base_dn": base_dn, "page_size": 2}},
        },
        "sync": [
            {"connector": "sis", "object_type": "organisation", "metaverse_type": "organisation", "flows": [
                {"to": "name", "from": "name"}, {"to": "orgnr", "from": "orgnr"}, {"to": "type", "from": "type"}]},
            {"connector": "sis", "object_type": "person", "metaverse_type": "person", "flows": [
                {"to": "firstName", "from": "firstname"}, {"to": "lastName", "from": "lastname"},
                {"to": "feide", "from": "feide"}, {"to": "role", "from": "role"}, {"to": "mail", "from": "email"},
                {"to": "school", "from": "school", "ref": "organisation"}]},
        ],
        "targets": {"feide": {"objects": [
            {"metaverse_type": "organisation", "object_type": "orgunit",
             "scope": [{"attribute": "type", "equals": "school"}], "flows": [
                {"to": "ou", "from": "name"}, {"to": "norEduOrgUnitUniqueIdentifier", "from": "orgnr"}]},
            {"metaverse_type": "person", "object_type": "person", "deprovision": "soft_delete", "flows": [
                {"to": "givenName", "from": "firstName"}, {"to": "sn", "from": "lastName"},
                {"to": "eduPersonPrincipalName", "from": "feide"}, {"to": "eduPersonAffiliation", "from": "role"},
                {"to": "mail", "from": "mail"}, {"to": "school", "from": "school"}]},
        ], "thresholds": {"*": {"delete": {"max_percent": 60}}}}},
        "safety": {"input": {"max_loss_percent": 60, "max_drift_percent": None}},
        "profiles": {"nightly": ["sis:import", "sync", "lifecycle", "feide:export"]},
    }  # fmt: skip


def test_nightly_runs_provision_update_and_soft_delete(
    slapd: Slapd, base_dn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUSYNC_TEST_LDAP_PASSWORD", slapd.password)
    data = tmp_path / "data"
    data.mkdir()
    (data / "orgs.csv").write_text(ORGS, encoding="utf-8")
    (data / "persons.csv").write_text(PERSONS, encoding="utf-8")
    config = tmp_path / "edusync.yaml"
    config.write_text(yaml.safe_dump(_config(slapd, base_dn), allow_unicode=True), encoding="utf-8")

    def run() -> str:
        loaded = load_config(config)
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        try:
            outcome = Runner(loaded, db).start("nightly")
            assert not outcome.report.errors, outcome.report.errors
            return outcome.status
        finally:
            db.dispose()

    assert run() == "done"
    people = f"ou=people,{base_dn}"
    entries = slapd.ldap("ldapsearch", "", "-b", people, "-LLL", "(objectClass=eduPerson)", "eduPersonPrincipalName")
    assert entries.count("dn: employeeNumber=per-") == 2
    ase = slapd.ldap("ldapsearch", "", "-b", people, "-LLL", "(eduPersonPrincipalName=ase@example.no)", "dn")
    ase_dn = ase.split("dn: ", 1)[1].split("\n", 1)[0]
    unit = slapd.ldap("ldapsearch", "", "-b", f"ou=units,{base_dn}", "-LLL", "(ou=Hylla skole)", "dn")
    assert "dn: cn=org-" in unit

    # Night two: one mail changes, one person leaves.
    (data / "persons.csv").write_text(
        PERSONS.replace("ase@elev.example.no", "aase@elev.example.no").rsplit("p2,", 1)[0], encoding="utf-8"
    )
    assert run() == "done"
    after = slapd.ldap("ldapsearch", "", "-b", people, "-LLL", "(objectClass=eduPerson)", "mail", "sn")
    assert "mail: aase@elev.example.no" in after
    assert "Nordmann" not in after
    trash = slapd.ldap("ldapsearch", "", "-b", f"ou=people,ou=trash,{base_dn}", "-LLL", "(sn=Nordmann)", "dn")
    assert "dn: employeeNumber=per-" in trash
    assert read(slapd, ase_dn) is not None
    assert slapd.modified_attributes(ase_dn) == [{"mail"}]  # only what changed was sent
