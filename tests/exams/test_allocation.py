"""Assessor allocation follows FS until a manager switches a flow to manual; then syncs leave it
alone and say so in the run report; switching back restores FS's allocation (SQLite and PostgreSQL)."""

from __future__ import annotations

from edusync.services import runs
from tests.exams.conftest import Cycle


def test_manual_allocation_is_left_alone_then_restored(cycle: Cycle) -> None:
    assert cycle.sync().exit_code == 0
    exam_id = cycle.university.scenario.exam_main
    flow_id = cycle.flow(exam_id)
    fs_allocation = cycle.groups(flow_id)
    assert any(fs_allocation.values()), "FS allocates the candidates to their commission"

    cycle.admin.put(f"/flows/{flow_id}/manual-allocation", json=True).raise_for_status()
    # the manager reallocates by hand in WISEflow's UI (the sandbox's store plays the UI)
    groups = list(cycle.store.flows[flow_id].assessor_groups.values())
    everyone = [p for g in groups for p in g.participant_ids]
    for g in groups:
        g.participant_ids = []
    groups[0].participant_ids = everyone[:1]
    manual = cycle.groups(flow_id)
    # and FS moves a candidate out of the commission meanwhile
    exam = cycle.university.exams[exam_id]
    moved = next(k for k in exam.kandidater() if k.kommisjonsid is not None)
    commission, moved.kommisjonsid = moved.kommisjonsid, None

    out = cycle.sync()
    assert out.exit_code == 0, out.run.report.errors
    assert cycle.groups(flow_id) == manual, "allocations are left alone while manual"
    said = [w for w in out.warnings if f"flow {flow_id}" in w and "manual" in w]
    assert len(said) == 1, out.warnings
    assert f"(exam {exam_id})" in said[0], "named by the FS exam id the office knows"
    stored = runs.get_run(cycle.db, out.run.run_id)
    assert said[0] in stored["warnings"], "the warning is in the stored run report"
    assert stored["counts"]["allocation"]["wiseflow"]["manual"] == 1
    other_flows = [o for o in out.allocations if o.flow_id != flow_id]
    assert other_flows and all(o.status == "in_sync" for o in other_flows), "other flows still follow FS"

    cycle.admin.put(f"/flows/{flow_id}/manual-allocation", json=False).raise_for_status()
    back = cycle.sync()
    assert back.exit_code == 0 and not [w for w in back.warnings if "manual" in w]
    restored = cycle.groups(flow_id)
    pid = cycle.participants(flow_id)[moved.kandidatnr]["participantId"]
    expected = {g: [p for p in ps if p != pid] for g, ps in fs_allocation.items()}
    assert restored == expected, "switching back restores FS's allocation, as FS has it now"
    assert [o.status for o in back.allocations if o.flow_id == flow_id] == ["restored"]

    moved.kommisjonsid = commission
    assert cycle.sync().exit_code == 0
    assert cycle.groups(flow_id) == fs_allocation
