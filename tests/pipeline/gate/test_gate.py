"""The safety gate: thresholds, the input sanity check, approvals bound to a change set, rejection."""

from __future__ import annotations

import pytest

from edusync.errors import ActorUnknown, ChangeSetReplaced, HashMismatch, HashTooShort, RunNotBlocked
from edusync.pipeline.gate import approvals
from tests.workspace import Workspace


def _lose_pupils(ws: Workspace, share: float) -> set[str]:
    pupils = ws.pupils()
    gone = {p[0] for p in pupils[: int(len(pupils) * share)]}
    ws.remove_persons(gone)
    return gone


def _relaxed_input(ws: Workspace) -> None:
    """Let the import through so the thresholds on the target are what is tested."""
    ws.configure(safety={"input": {"max_loss_percent": 100, "max_drift_percent": None}})


def test_a_30_percent_delete_blocks_and_sends_nothing(workspace: Workspace) -> None:
    workspace.run()
    sent = len(workspace.out_lines())
    _relaxed_input(workspace)
    _lose_pupils(workspace, 0.30)
    blocked = workspace.run(day=1)
    assert blocked.status == "blocked" and blocked.exit_code == 3
    assert blocked.block is not None and blocked.block["kind"] == "threshold"
    assert any("person deletes" in r for r in blocked.block["reasons"])
    assert len(workspace.out_lines()) == sent, "nothing was exported"
    info = workspace.run_info(blocked.run_id)
    assert info["change_sets"][0]["status"] == "blocked"
    assert info["counts"]["plan"]["lms/person"]["delete"] > 0


def test_approval_lets_exactly_that_change_set_through(workspace: Workspace) -> None:
    workspace.run()
    sent = len(workspace.out_lines())
    _relaxed_input(workspace)
    gone = _lose_pupils(workspace, 0.30)
    blocked = workspace.run(day=1)
    planned = workspace.run_info(blocked.run_id)["change_sets"][0]["counts"]
    assert blocked.block is not None
    approvals.approve(workspace.db, blocked.run_id, "rektor@fylke.no", expect=blocked.block["hash"][:12])
    done = workspace.resume(blocked.run_id)
    assert done.status == "done", done.report.errors
    new = workspace.out_lines()[sent:]
    assert sum(1 for c in new if c["object_type"] == "person" and c["op"] == "delete") == len(gone)
    assert len(new) == sum(sum(ops.values()) for ops in planned.values())
    info = workspace.run_info(blocked.run_id)
    assert info["change_sets"][0]["status"] == "done"
    assert info["change_sets"][0]["decided_by"] == "rektor@fylke.no"
    # The approval, then the export it let through: which target got how many changes of which kind.
    assert [(a["actor"], a["action"]) for a in info["audit"]] == [("rektor@fylke.no", "approve"), ("edusync", "export")]
    export = info["audit"][1]["detail"]
    assert export["target"] == "lms" and export["status"] == "done"
    assert export["changes"]["delete"]["done"] == sum(c.get("delete", 0) for c in planned.values())
    assert workspace.run(day=2).status == "done"
    assert len(workspace.out_lines()) == sent + len(new), "the next night has nothing left to send"


def test_an_approval_for_another_change_set_is_refused(workspace: Workspace) -> None:
    workspace.run()
    _relaxed_input(workspace)
    _lose_pupils(workspace, 0.30)
    first = workspace.run(day=1)
    with pytest.raises(HashMismatch, match="what was blocked is") as mismatch:
        approvals.approve(workspace.db, first.run_id, "someone", expect="0123456789ab")
    assert first.block is not None
    assert (mismatch.value.given, mismatch.value.blocked) == ("0123456789ab", first.block["hash"][:12])
    _lose_pupils(workspace, 0.10)
    second = workspace.run(day=2)
    assert second.status == "blocked"
    assert first.block is not None and second.block is not None
    assert second.block["hash"] != first.block["hash"]
    with pytest.raises(ChangeSetReplaced, match="superseded") as replaced:
        approvals.approve(workspace.db, first.run_id, "someone", first.block["hash"])
    assert (replaced.value.run_id, replaced.value.status) == (first.run_id, "superseded")
    assert replaced.value.change_set_id == first.block["change_set_id"]
    assert workspace.run_info(first.run_id)["status"] == "blocked"


def test_reject_discards_and_the_next_run_blocks_again(workspace: Workspace) -> None:
    workspace.run()
    sent = len(workspace.out_lines())
    _relaxed_input(workspace)
    _lose_pupils(workspace, 0.30)
    blocked = workspace.run(day=1)
    approvals.reject(workspace.db, blocked.run_id, "it-drift")
    info = workspace.run_info(blocked.run_id)
    assert info["status"] == "rejected" and info["change_sets"][0]["status"] == "rejected"
    assert info["audit"][0]["action"] == "reject"
    assert blocked.block is not None
    with pytest.raises(RunNotBlocked, match="rejected, not blocked"):
        approvals.approve(workspace.db, blocked.run_id, "it-drift", blocked.block["hash"])
    assert workspace.run(day=2).status == "blocked", "the source still says they are gone"
    assert len(workspace.out_lines()) == sent


def test_input_check_blocks_a_source_that_lost_a_third(workspace: Workspace) -> None:
    workspace.run()
    _lose_pupils(workspace, 1 / 3)
    blocked = workspace.run(day=1)
    assert blocked.status == "blocked"
    assert blocked.block is not None and blocked.block["kind"] == "input"
    assert "sis/person" in blocked.block["reasons"][0]
    # Nothing was staged: every person is still present and active.
    assert all(workspace.show("person", p[0])["state"] == "active" for p in workspace.pupils()[:5])
    assert "import" not in blocked.report.as_dict() or "sis/person" not in blocked.report.as_dict()["import"]


def test_input_approval_is_bound_to_the_exact_loss(workspace: Workspace) -> None:
    workspace.run()
    workspace.configure(targets={**workspace.settings["targets"]})
    workspace.settings["targets"]["lms"]["thresholds"] = {"*": {"delete": {"max_percent": 100}}}
    workspace.write()
    gone = _lose_pupils(workspace, 1 / 3)
    blocked = workspace.run(day=1)
    assert blocked.block is not None
    approvals.approve(workspace.db, blocked.run_id, "it-drift", blocked.block["hash"])
    done = workspace.resume(blocked.run_id)
    assert done.status == "done", done.block
    assert done.report.as_dict()["import"]["sis/person"]["gone"] == len(gone)
    assert any("(approved)" in w for w in done.report.warnings)


def test_an_empty_source_file_blocks(workspace: Workspace) -> None:
    workspace.run()
    workspace.county.persons = []
    blocked = workspace.run(day=1)
    assert blocked.status == "blocked"
    assert blocked.block is not None and "empty" in blocked.block["reasons"][0]


@pytest.mark.parametrize("expect", [None, "", "0", "6a0c1e2f9b1"])
def test_an_approval_must_name_twelve_characters_of_the_hash(workspace: Workspace, expect: str | None) -> None:
    workspace.run()
    workspace.settings["targets"]["lms"]["thresholds"] = {"*": {"delete": {"max_percent": 100}}}
    _lose_pupils(workspace, 1 / 3)
    blocked = workspace.run(day=1)
    assert blocked.block is not None
    if expect:  # a prefix of the real hash, too short to bind
        expect = blocked.block["hash"][: len(expect)]
    with pytest.raises(HashTooShort, match="12 characters at least") as short:
        approvals.approve(workspace.db, blocked.run_id, "it-drift", expect)
    assert (short.value.given, short.value.needed) == (expect or "", 12)
    assert workspace.run_info(blocked.run_id)["audit"] == [], "nothing was decided"
    approvals.approve(workspace.db, blocked.run_id, "it-drift", blocked.block["hash"][:12].upper())
    assert workspace.resume(blocked.run_id).status == "done"


@pytest.mark.parametrize("who", ["", "unknown", "  "])
def test_an_approval_by_nobody_known_is_refused(workspace: Workspace, who: str) -> None:
    workspace.run()
    _lose_pupils(workspace, 1 / 3)
    blocked = workspace.run(day=1)
    assert blocked.block is not None
    with pytest.raises(ActorUnknown, match="no actor is known"):
        approvals.approve(workspace.db, blocked.run_id, who, blocked.block["hash"])
    with pytest.raises(ActorUnknown, match="no actor is known"):
        approvals.reject(workspace.db, blocked.run_id, who)
    assert workspace.run_info(blocked.run_id)["status"] == "blocked"
