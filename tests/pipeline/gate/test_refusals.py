"""Each way an approval is refused raises its own error, with the fields the person (or the console) acts on."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from edusync.errors import (
    AlreadyApproved,
    ChangeSetAltered,
    FourEyesRefused,
    ReasonMissing,
    RunNotBlocked,
)
from edusync.pipeline.gate import approvals
from edusync.services import review
from edusync.storage import tables
from edusync.storage.audit import audit
from tests.workspace import Workspace


def _blocked(ws: Workspace) -> tuple[int, str]:
    """A run whose change set a third of the pupils leaving blocked: its id and the hash to approve."""
    ws.run()
    ws.configure(safety={"input": {"max_loss_percent": 100, "max_drift_percent": None}})
    pupils = ws.pupils()
    ws.remove_persons({p[0] for p in pupils[: len(pupils) // 3]})
    blocked = ws.run(day=1)
    assert blocked.status == "blocked" and blocked.block is not None
    assert blocked.block.get("change_set_id") is not None, "the target's thresholds blocked it"
    return blocked.run_id, blocked.block["hash"]


def test_an_approved_run_is_refused_a_second_approval_and_named_to_resume(sqlite_workspace: Workspace) -> None:
    run_id, digest = _blocked(sqlite_workspace)
    approvals.approve(sqlite_workspace.db, run_id, "kari", digest)
    with pytest.raises(AlreadyApproved, match=f"edusync resume {run_id}") as refused:
        approvals.approve(sqlite_workspace.db, run_id, "ola", digest)
    assert (refused.value.run_id, refused.value.approved_by) == (run_id, "kari")
    assert sqlite_workspace.resume(run_id).status == "done"
    with pytest.raises(RunNotBlocked) as done:
        approvals.approve(sqlite_workspace.db, run_id, "ola", digest)
    assert done.value.status == "done"
    with pytest.raises(RunNotBlocked, match="there is no run") as missing:
        approvals.approve(sqlite_workspace.db, run_id + 100, "ola", digest)
    assert (missing.value.run_id, missing.value.status) == (run_id + 100, None)


def test_a_change_set_altered_in_storage_is_not_let_through(sqlite_workspace: Workspace) -> None:
    run_id, digest = _blocked(sqlite_workspace)
    block = approvals.blocked(sqlite_workspace.db, run_id)
    ch = tables.changes
    with sqlite_workspace.db.begin() as conn:
        first = conn.execute(ch.select().where(ch.c.change_set_id == block["change_set_id"]).limit(1)).one()
        conn.execute(update(ch).where(ch.c.id == first.id).values(hash="0" * 32))
    with pytest.raises(ChangeSetAltered) as refused:
        approvals.approve(sqlite_workspace.db, run_id, "kari", digest)
    assert (refused.value.run_id, refused.value.change_set_id) == (run_id, block["change_set_id"])
    assert sqlite_workspace.run_info(run_id)["status"] == "blocked"


def test_the_console_wants_a_reason_and_another_approver_than_who_caused_it(sqlite_workspace: Workspace) -> None:
    db = sqlite_workspace.db
    run_id, digest = _blocked(sqlite_workspace)
    with db.begin() as conn:
        audit(conn, "ola", "retry", run_id, None)  # ola's retry made this change set
    with pytest.raises(ReasonMissing) as no_reason:
        review.approve(db, run_id, "kari", digest, " ", four_eyes=True)
    assert (no_reason.value.run_id, no_reason.value.decision) == (run_id, "approve")
    with pytest.raises(ReasonMissing, match="say why you reject it") as no_reason:
        review.reject(db, run_id, "kari", "")
    assert no_reason.value.decision == "reject"
    with pytest.raises(FourEyesRefused, match="another approver must decide") as own:
        review.approve(db, run_id, "ola", digest, "it is right", four_eyes=True)
    assert (own.value.run_id, own.value.actor) == (run_id, "ola")
    assert sqlite_workspace.run_info(run_id)["status"] == "blocked", "nothing was decided"
    review.approve(db, run_id, "kari", digest, "it is right", four_eyes=True)
    assert sqlite_workspace.resume(run_id).status == "done"
