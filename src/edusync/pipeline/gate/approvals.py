"""Approve or reject a blocked run; every decision lands in the audit log with who and when.

An approval is bound to the hash of what the person was shown: the exact change set
(threshold blocks) or the exact set of lost objects (input blocks). If the stored
change set no longer has that hash, or a later run has replaced it, the approval
is refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from edusync.errors import ApprovalRefused
from edusync.pipeline.gate import store
from edusync.storage import Database
from edusync.storage.audit import audit


def approve(db: Database, run_id: int, actor: str, expect: str | None = None) -> dict[str, Any]:
    """Record the approval; the caller then resumes the run."""
    with db.begin() as conn:
        block = store.blocked_run(conn, run_id)
        if block.get("approved"):
            raise ApprovalRefused(
                f"run {run_id} is already approved by {block.get('approved_by')}; "
                f"finish it with `edusync resume {run_id}`",
                run_id=run_id,
            )
        if expect and not block["hash"].startswith(expect.lower()):
            raise ApprovalRefused(
                f"run {run_id}: the approval names {expect}, but what was blocked is {block['hash'][:12]}",
                run_id=run_id,
            )
        cs_id = block.get("change_set_id")
        if cs_id is not None:
            status = store.status(conn, cs_id)
            if status != "blocked":
                raise ApprovalRefused(
                    f"run {run_id}: its change set is {status} (a later run replaced it)", run_id=run_id
                )
            if store.stored_hash(conn, cs_id) != block["hash"]:
                raise ApprovalRefused(
                    f"run {run_id}: the stored change set no longer matches what was blocked", run_id=run_id
                )
        block["approved"] = True
        block["approved_by"] = actor
        store.save_block(conn, run_id, block)
        _decide(conn, run_id, block, actor, "approve")
    return block


def reject(db: Database, run_id: int, actor: str) -> dict[str, Any]:
    with db.begin() as conn:
        block = store.blocked_run(conn, run_id)
        store.mark_rejected(conn, run_id)
        _decide(conn, run_id, block, actor, "reject")
    return block


def _decide(conn: Connection, run_id: int, block: dict[str, Any], actor: str, action: str) -> None:
    """Record who decided what on the change set (if the block has one) and in the audit log."""
    cs_id = block.get("change_set_id")
    if cs_id is not None:
        store.decided(conn, cs_id, {"approve": "approved", "reject": "rejected"}[action], actor)
    audit(conn, actor, action, run_id, cs_id, hash=block["hash"], kind=block["kind"], reasons=block["reasons"])
