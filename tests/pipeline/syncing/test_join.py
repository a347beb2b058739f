"""Joins across sources, precedence per attribute, recall on disconnect, and the deprovisioning policies."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.workspace import Workspace


def _add_hr_source(ws: Workspace, rows: list[list[str]], *, policy: str = "disconnect") -> None:
    folder = ws.folder / "hr"
    folder.mkdir(exist_ok=True)
    _write_hr(folder, rows)
    ws.settings["connectors"]["hr"] = {
        "type": "files",
        "settings": {"input": "hr", "types": {"employee": {"file": "employees"}}},
        "object_types": {"employee": {"deprovision": policy}},
    }
    ws.settings["sync"].insert(
        2,
        {
            "connector": "hr",
            "object_type": "employee",
            "metaverse_type": "person",
            "join": [{"match": {"fnr": "nin"}}],
            "project": False,
            "flows": [
                {"to": "mail", "from": "work_email", "precedence": 1},
                {"to": "title", "from": "title", "precedence": 1},
                {"to": "firstName", "from": "firstname", "precedence": 200},
            ],
        },
    )
    ws.settings["profiles"]["nightly"] = ["sis:import", "hr:import", "sync", "lifecycle", "lms:export"]
    ws.write()


def _write_hr(folder: Path, rows: list[list[str]]) -> None:
    with (folder / "employees.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "fnr", "work_email", "title", "firstname"])
        writer.writerows(rows)


def test_join_on_fnr_and_precedence_per_attribute(workspace: Workspace) -> None:
    teacher = next(p for p in workspace.county.persons if p[6] == "teacher")
    _add_hr_source(workspace, [["H1", teacher[1], "laerer@fylke.no", "Lektor", "IGNORERT"]])
    outcome = workspace.run()
    assert outcome.report.as_dict()["sync"]["hr/employee"].get("joined") == 1, outcome.report.as_dict()
    shown = workspace.show("person", teacher[0])
    assert shown["sources"] == [["sis", "person", teacher[0]], ["hr", "employee", "H1"]]
    attrs, lin = shown["attributes"], shown["lineage"]
    assert attrs["mail"] == "laerer@fylke.no" and lin["mail"]["connector"] == "hr"
    assert lin["mail"]["rule"] == "direct:work_email"
    assert attrs["title"] == "Lektor"
    assert attrs["firstName"] == teacher[2] and lin["firstName"]["connector"] == "sis", "sis (100) beats hr (200)"
    assert workspace.show("person", "H1")["id"] == shown["id"], "found by either source's anchor"


def test_disconnect_recalls_the_values_of_the_source_that_left(workspace: Workspace) -> None:
    teacher = next(p for p in workspace.county.persons if p[6] == "teacher")
    _add_hr_source(workspace, [["H1", teacher[1], "laerer@fylke.no", "Lektor", "X"]])
    workspace.run()
    _write_hr(workspace.folder / "hr", [])
    workspace.settings["safety"] = {"input": {"max_loss_percent": 100, "max_drift_percent": None, "block_empty": False}}
    workspace.write()
    workspace.run(day=1)
    shown = workspace.show("person", teacher[0])
    assert shown["state"] == "active", "sis still holds the person"
    assert shown["sources"] == [["sis", "person", teacher[0]]]
    assert shown["attributes"]["mail"] == teacher[5] and "title" not in shown["attributes"]
    assert shown["lineage"]["mail"]["connector"] == "sis"


def test_keep_policy_leaves_the_values_in_place(workspace: Workspace) -> None:
    teacher = next(p for p in workspace.county.persons if p[6] == "teacher")
    _add_hr_source(workspace, [["H1", teacher[1], "laerer@fylke.no", "Lektor", "X"]], policy="keep")
    workspace.run()
    _write_hr(workspace.folder / "hr", [])
    workspace.settings["safety"] = {"input": {"max_loss_percent": 100, "max_drift_percent": None, "block_empty": False}}
    workspace.write()
    workspace.run(day=1)
    shown = workspace.show("person", teacher[0])
    assert shown["attributes"]["title"] == "Lektor"
    assert ["hr", "employee", "H1"] in shown["sources"]


def test_soft_delete_policy_skips_grace(workspace: Workspace) -> None:
    workspace.settings["connectors"]["sis"]["object_types"]["person"] = {"deprovision": "soft_delete"}
    workspace.settings["lifecycle"]["person"] = {"grace_days": 7, "retention_days": 30}
    workspace.write()
    workspace.run()
    leaver = workspace.pupils()[0]
    workspace.remove_persons({leaver[0]})
    workspace.run(day=1)
    assert workspace.show("person", leaver[0])["state"] == "disabled"


def test_two_sources_projecting_the_same_fnr_in_one_import_become_one_person(workspace: Workspace) -> None:
    a, b = workspace.pupils()[:2]
    b[1] = a[1]  # the same national id twice (a person registered twice in the source)
    outcome = workspace.run()
    sync = outcome.report.as_dict()["sync"]["sis/person"]
    assert sync["joined"] == 1
    assert workspace.show("person", a[0])["id"] == workspace.show("person", b[0])["id"]
