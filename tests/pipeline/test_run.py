"""The whole run, import → sync → lifecycle → plan → gate → export, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter

from edusync.model import fnr
from tests.workspace import Workspace


def test_first_run_provisions_everything_once(workspace: Workspace) -> None:
    outcome = workspace.run()
    assert outcome.status == "done", outcome.report.errors
    lines = workspace.out_lines()
    by_type = Counter(line["object_type"] for line in lines)
    assert by_type == {
        "org": len(workspace.county.orgs),
        "person": len(workspace.county.persons),
        "group": len(workspace.county.groups),
        "membership": len(workspace.county.memberships),
    }
    assert {line["op"] for line in lines} == {"add"}
    person = next(line for line in lines if line["object_type"] == "person")
    assert set(person["attrs"]) >= {"username", "givenName", "familyName", "role", "school"}


def test_rerun_without_changes_sends_nothing(workspace: Workspace) -> None:
    workspace.run()
    before = len(workspace.out_lines())
    second = workspace.run(day=1)
    assert second.status == "done"
    assert len(workspace.out_lines()) == before
    imported = second.report.as_dict()["import"]["sis/membership"]
    assert imported["unchanged"] == imported["seen"] == len(workspace.county.memberships)
    assert imported["identical_source"] == 1, "an identical file is not read again"
    assert "sync" not in second.report.as_dict()
    workspace.county.memberships.append(workspace.county.memberships.pop(0))  # same rows, another order
    third = workspace.run(day=2)
    imported = third.report.as_dict()["import"]["sis/membership"]
    assert "identical_source" not in imported and imported["unchanged"] == imported["seen"]
    assert len(workspace.out_lines()) == before


def test_a_night_of_changes_becomes_exactly_those_changes(workspace: Workspace) -> None:
    workspace.run()
    sent_before = len(workspace.out_lines())
    leaver = workspace.pupils()[0]
    workspace.remove_persons({leaver[0]})
    group = workspace.county.groups[0]
    group[1] = "Omdøpt"
    workspace.run(day=1)
    new = workspace.out_lines()[sent_before:]
    person_key = workspace.show("person", leaver[0])["id"]
    group_key = workspace.show("group", group[0])["id"]
    ops = {(c["object_type"], c["key"]): c["op"] for c in new}
    assert ops[("person", person_key)] == "delete"
    assert ops[("group", group_key)] == "update"
    assert next(c for c in new if c["key"] == group_key)["attrs"]["name"] == "Omdøpt"
    leaver_memberships = sum(1 for m in new if m["object_type"] == "membership" and m["op"] == "delete")
    assert leaver_memberships >= 1
    assert all(c["op"] in ("delete", "update") for c in new)


def test_lineage_names_source_rule_and_run(workspace: Workspace) -> None:
    workspace.run()
    pupil = workspace.pupils()[0]
    pupil[4] = "NY.Bruker@Fylke.no"
    workspace.run(day=1)
    shown = workspace.show("person", pupil[0])
    lin = shown["lineage"]
    assert lin["eduPersonPrincipalName"] == {
        "connector": "sis",
        "object_type": "person",
        "anchor": pupil[0],
        "rule": "rule:lower(feide)",
        "run": 2,
    }
    assert shown["attributes"]["eduPersonPrincipalName"] == "ny.bruker@fylke.no"
    assert lin["firstName"]["run"] == 1, "an unchanged value keeps the run that set it"
    assert shown["attributes"]["nin"] == fnr.mask(pupil[1]), "shown masked"
    assert shown["targets"] and shown["targets"][0]["state"] == "present"


def test_invalid_fnr_never_reaches_the_metaverse(workspace: Workspace) -> None:
    pupil = workspace.pupils()[0]
    pupil[1] = "12345678901"
    workspace.run()
    assert "nin" not in workspace.show("person", pupil[0])["attributes"]


def test_dry_run_stores_the_change_set_and_sends_nothing(workspace: Workspace) -> None:
    preview = workspace.run(dry_run=True)
    assert preview.status == "done"
    assert not (workspace.folder / "out").exists() or not workspace.out_lines()
    info = workspace.run_info(preview.run_id)
    assert info["dry_run"] and info["change_sets"][0]["status"] == "preview"
    assert info["counts"]["plan"]["lms/person"]["add"] == len(workspace.county.persons)
    real = workspace.run()
    assert real.status == "done"
    assert len(workspace.out_lines()) == sum(
        len(x)
        for x in (
            workspace.county.orgs,
            workspace.county.persons,
            workspace.county.groups,
            workspace.county.memberships,
        )
    )
    assert workspace.run_info(preview.run_id)["change_sets"][0]["status"] == "superseded"


def test_a_resumed_run_keeps_what_went_wrong_before_apart(workspace: Workspace) -> None:
    persons = workspace.folder / "data" / "persons.csv"
    workspace.write()
    workspace.write = lambda: None  # type: ignore[method-assign]  # the data as the test leaves it
    text = persons.read_text(encoding="utf-8")
    persons.unlink()
    failed = workspace.run()
    assert failed.status == "failed" and "no file persons.csv" in failed.report.errors[0]
    persons.write_text(text, encoding="utf-8")
    done = workspace.resume(failed.run_id)
    assert done.status == "done"
    info = workspace.run_info(failed.run_id)
    assert info["errors"] == [], "nothing is wrong any more"
    assert len(info["recovered"]) == 1 and "no file persons.csv" in info["recovered"][0]
