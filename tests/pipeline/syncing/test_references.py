"""References between objects of one rule (a course group pointing at its course) resolve in the same run."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.workspace import Workspace


def _add_source(ws: Workspace, name: str, object_type: str, header: list[str], rows: Sequence[Sequence[str]]) -> None:
    """A files connector ``name`` whose ``object_type`` rows are written to ``<name>/<name>.csv``."""
    folder = ws.folder / name
    folder.mkdir(exist_ok=True)
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    ws.settings["connectors"][name] = {
        "type": "files",
        "settings": {"input": name, "types": {object_type: {"file": name}}},
    }


def _add_rule(ws: Workspace, rule: Mapping[str, object], steps: list[str]) -> None:
    if not any(r["connector"] == rule["connector"] for r in ws.settings["sync"]):
        ws.settings["sync"].append({"metaverse_type": "course", **rule})
    ws.settings["profiles"]["courses"] = [*steps, "sync"]
    ws.write()


def _add_courses(ws: Workspace, rows: list[tuple[str, str, str]]) -> None:
    _add_source(ws, "lms_src", "course", ["id", "title", "parent"], rows)
    flows = [{"to": "title", "from": "title"}, {"to": "parent", "from": "parent", "ref": "course"}]
    _add_rule(ws, {"connector": "lms_src", "object_type": "course", "flows": flows}, ["lms_src:import"])


def test_children_listed_before_their_parents_are_linked_in_one_run(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    # Grandchild first, then child, then the course itself: each waits for the one above it.
    _add_courses(ws, [("g1", "Gruppe 1A", "c1"), ("c1", "Klasse 1", "k1"), ("k1", "Kurs", ""), ("x1", "Løs", "nope")])
    outcome = ws.run(profile="courses")
    assert outcome.status == "done"
    counts = outcome.report.as_dict()["sync"]["lms_src/course"]
    assert counts["projected"] == 3
    assert counts["unresolved"] == 1  # only the one whose parent does not exist
    warnings = [w for w in outcome.report.warnings if "lms_src/course" in w]
    assert len(warnings) == 1 and "x1" in warnings[0] and "nope" in warnings[0]
    kurs, klasse, gruppe = (ws.show("course", anchor) for anchor in ("k1", "c1", "g1"))
    assert klasse["attributes"]["parent"] == kurs["id"]
    assert gruppe["attributes"]["parent"] == klasse["id"]
    ws.close()


def _add_rooms(ws: Workspace, rows: list[tuple[str, str, str]]) -> None:
    """A second rule projecting into the same metaverse type, with an import criterion."""
    _add_source(ws, "rooms", "room", ["id", "title", "open"], rows)
    rule = {
        "connector": "rooms",
        "object_type": "room",
        "criteria": [{"attribute": "open", "equals": "yes"}],
        "flows": [{"to": "title", "from": "title"}],
    }
    _add_rule(ws, rule, ["lms_src:import", "rooms:import"])


def test_a_second_rule_into_a_filled_type_projects_in_bulk_and_takes_back_its_old_objects(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    _add_courses(ws, [("k1", "Kurs", "")])
    _add_rooms(ws, [("r1", "Rom 1", "yes"), ("r2", "Rom 2", "yes")])
    first = ws.run(profile="courses")
    assert first.report.as_dict()["sync"]["rooms/room"]["projected"] == 2
    r1 = ws.show("course", "r1")["id"]
    # Both rooms close: their objects go, and no room row is linked to anything any more.
    _add_rooms(ws, [("r1", "Rom 1", "no"), ("r2", "Rom 2", "no")])
    ws.run(day=1, profile="courses")
    assert ws.show("course", r1)["state"] != "active"
    # They open again: the rule takes the bulk path, finds the old ids taken and takes them back.
    _add_rooms(ws, [("r1", "Rom 1", "yes"), ("r2", "Rom 2 (ny)", "yes"), ("r3", "Rom 3", "yes")])
    third = ws.run(day=2, profile="courses")
    assert third.status == "done", third.report.errors
    assert ws.show("course", r1)["state"] == "active"
    assert ws.show("course", "r1")["id"] == r1, "the returning key finds its old object"
    assert ws.show("course", "r2")["attributes"]["title"] == "Rom 2 (ny)"
    assert ws.show("course", "r3")["attributes"]["title"] == "Rom 3"
    ws.close()
