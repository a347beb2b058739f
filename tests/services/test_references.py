"""References between objects of one rule (a course group pointing at its course) resolve in the same run."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.workspace import Workspace


def _add_courses(ws: Workspace, rows: list[tuple[str, str, str]]) -> None:
    folder = ws.folder / "courses"
    folder.mkdir(exist_ok=True)
    with (folder / "courses.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "parent"])
        writer.writerows(rows)
    ws.settings["connectors"]["lms_src"] = {
        "type": "files",
        "settings": {"input": "courses", "types": {"course": {"file": "courses"}}},
    }
    ws.settings["sync"].append(
        {
            "connector": "lms_src",
            "object_type": "course",
            "metaverse_type": "course",
            "flows": [{"to": "title", "from": "title"}, {"to": "parent", "from": "parent", "ref": "course"}],
        }
    )
    ws.settings["profiles"]["courses"] = ["lms_src:import", "sync"]
    ws.write()


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
