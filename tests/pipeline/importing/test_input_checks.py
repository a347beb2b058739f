"""The input check sees more than a sudden loss: slow drift, a vanishing attribute, a file whose
encoding lies, a DTD; and after a block, the next run reads the source in full."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from edusync.pipeline.gate import approvals
from tests.workspace import Workspace


def _rewrite_persons(ws: Workspace, drop_column: str | None = None) -> Path:
    path = ws.folder / "data" / "persons.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    cols = [c for c in rows[0] if c != drop_column]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, cols, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_slow_loss_blocks_when_it_adds_up(workspace: Workspace) -> None:
    """5 % of the persons a night: no night alone breaks the 20 % limit; the nights' total does."""
    workspace.run()
    start = len(workspace.county.persons)
    statuses = []
    for night in range(1, 8):
        pupils = workspace.pupils()
        workspace.remove_persons({p[0] for p in pupils[: int(start * 0.05)]})
        outcome = workspace.run(day=night)
        statuses.append(outcome.status)
        if outcome.status == "blocked":
            break
    assert statuses[:3] == ["done"] * 3 and statuses[-1] == "blocked", statuses
    assert outcome.block is not None and outcome.block["kind"] == "input"
    assert all("slow loss" in r and "fewer than its baseline of" in r for r in outcome.block["reasons"])
    assert not any("lost" in r for r in outcome.block["reasons"]), "no single night lost too much"
    info = workspace.run_info(outcome.run_id - 1)
    assert info["counts"]["import"]["sis/person"]["baseline"] == 300, "the report shows the baseline"


def test_an_approved_drift_becomes_the_new_baseline(workspace: Workspace) -> None:
    workspace.settings["targets"]["lms"]["thresholds"] = {"*": {"delete": {"max_percent": 100}}}
    workspace.run()
    for night in range(1, 8):
        workspace.remove_persons({p[0] for p in workspace.pupils()[:15]})
        outcome = workspace.run(day=night)
        if outcome.status == "blocked":
            break
    assert outcome.status == "blocked" and outcome.block is not None
    approvals.approve(workspace.db, outcome.run_id, "it-drift", outcome.block["hash"])
    assert workspace.resume(outcome.run_id).status == "done"
    workspace.remove_persons({p[0] for p in workspace.pupils()[:15]})
    assert workspace.run(day=night + 1).status == "done", "counted again from the approved count"


def test_a_vanished_column_blocks_and_blanks_nothing(workspace: Workspace) -> None:
    workspace.run()
    pupil = workspace.pupils()[0]
    before = workspace.show("person", pupil[0])["attributes"]["nin"]
    workspace.write()
    path = _rewrite_persons(workspace, drop_column="fnr")
    workspace.write = lambda: None  # type: ignore[method-assign]  # keep the file as broken as it is
    assert "fnr" not in path.read_text(encoding="utf-8").splitlines()[0]
    blocked = workspace.run(day=1)
    assert blocked.status == "blocked" and blocked.block is not None
    assert any("attribute 'fnr' vanished from 300 of 300" in r for r in blocked.block["reasons"])
    assert workspace.show("person", pupil[0])["attributes"]["nin"] == before, "nothing was staged"


def test_a_file_declared_latin1_holding_utf8_is_refused(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    ws.settings["connectors"]["sis"]["settings"]["encoding"] = "iso-8859-1"
    ws.write()
    failed = ws.run()
    assert failed.status == "failed"
    assert "declared iso-8859-1 but its bytes are UTF-8" in failed.report.errors[0]
    assert "persons.csv" in failed.report.errors[0] or "csv" in failed.report.errors[0]


def test_an_invalid_national_id_is_a_counted_warning_naming_the_record(workspace: Workspace) -> None:
    first = workspace.county.persons[0]
    first[1] = "17051012345"  # eleven digits, both check digits wrong
    done = workspace.run()
    assert done.status == "done"
    assert done.report.as_dict()["sync"]["sis/person"]["refused_values"] == 1
    line = next(w for w in done.report.warnings if "left out nin" in w)
    assert first[0] in line and "17051012345" not in line


def test_after_an_approved_loss_the_next_run_reads_the_source_in_full(workspace: Workspace) -> None:
    """A source can look unchanged after it is mended (FINT's last-updated stamps): the run after an
    approved loss reads it in full rather than trusting the snapshot of the broken night."""
    workspace.settings["targets"]["lms"]["thresholds"] = {"*": {"delete": {"max_percent": 100}}}
    workspace.run()
    workspace.remove_persons({p[0] for p in workspace.pupils()[:100]})
    blocked = workspace.run(day=1)
    assert blocked.block is not None
    approvals.approve(workspace.db, blocked.run_id, "it-drift", blocked.block["hash"])
    assert workspace.resume(blocked.run_id).status == "done"
    same = workspace.run(day=2).report.as_dict()["import"]["sis/person"]
    assert "identical_source" not in same and same["seen"] == 200, "read in full, not skipped"
    again = workspace.run(day=3).report.as_dict()["import"]["sis/person"]
    assert again.get("identical_source") == 1, "from then on an unchanged source is skipped again"


@pytest.mark.parametrize("full", [False, True])
def test_run_full_reads_an_unchanged_source(sqlite_workspace: Workspace, full: bool) -> None:
    from edusync.pipeline.run import Runner

    ws = sqlite_workspace
    ws.run()
    again = Runner(ws.loaded, ws.db).start("nightly", full=full)
    counts = again.report.as_dict()["import"]["sis/person"]
    assert ("identical_source" in counts) is not full
    assert counts["seen"] == 300
