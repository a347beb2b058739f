"""Approve or reject a blocked run; every decision lands in the audit log with who and when.

An approval is bound to the hash of what the person was shown: the exact change set
(threshold blocks) or the exact set of lost objects (input blocks). If the stored
change set no longer has that hash, or a later run has replaced it, the approval
is refused.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, select, update

from edusync.errors import ApprovalRefused
from edusync.model.hashing import dumps, loads
from edusync.pipeline.planning.changeset import change_line
from edusync.storage import Database
from edusync.storage import tables as t
from edusync.storage.audit import audit, utcnow


def stored_hash(conn: Connection, cs_id: int) -> str:
    """Recompute a change set's hash from its stored changes, in the order the planner hashed them."""
    ch = t.changes
    running = hashlib.blake2b(digest_size=16)
    q = select(ch.c.object_type, ch.c.key, ch.c.op, ch.c.hash).where(ch.c.change_set_id == cs_id).order_by(ch.c.id)
    for object_type, key, op, digest in conn.execute(q):
        running.update(change_line(object_type, key, op, digest))
    return running.hexdigest()


def _blocked_run(conn: Connection, run_id: int) -> tuple[Any, dict[str, Any]]:
    row = conn.execute(select(t.runs).where(t.runs.c.id == run_id)).first()
    if row is None:
        raise ApprovalRefused(f"there is no run {run_id}")
    if row.status != "blocked" or not row.block:
        raise ApprovalRefused(f"run {run_id} is {row.status}, not blocked")
    return row, loads(row.block)


def approve(db: Database, run_id: int, actor: str, expect: str | None = None) -> dict[str, Any]:
    """Record the approval; the caller then resumes the run."""
    with db.begin() as conn:
        _row, block = _blocked_run(conn, run_id)
        if block.get("approved"):
            raise ApprovalRefused(
                f"run {run_id} is already approved by {block.get('approved_by')}; "
                f"finish it with `edusync resume {run_id}`"
            )
        if expect and not block["hash"].startswith(expect.lower()):
            raise ApprovalRefused(
                f"run {run_id}: the approval names {expect}, but what was blocked is {block['hash'][:12]}"
            )
        cs_id = block.get("change_set_id")
        if cs_id is not None:
            status = conn.execute(select(t.change_sets.c.status).where(t.change_sets.c.id == cs_id)).scalar_one()
            if status != "blocked":
                raise ApprovalRefused(f"run {run_id}: its change set is {status} (a later run replaced it)")
            if stored_hash(conn, cs_id) != block["hash"]:
                raise ApprovalRefused(f"run {run_id}: the stored change set no longer matches what was blocked")
        block["approved"] = True
        block["approved_by"] = actor
        conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(block=dumps(block)))
        _decide(conn, run_id, block, actor, "approve")
    return block


def reject(db: Database, run_id: int, actor: str) -> dict[str, Any]:
    with db.begin() as conn:
        _row, block = _blocked_run(conn, run_id)
        conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(status="rejected"))
        _decide(conn, run_id, block, actor, "reject")
    return block


def _decide(conn: Connection, run_id: int, block: dict[str, Any], actor: str, action: str) -> None:
    """Record who decided what on the change set (if the block has one) and in the audit log."""
    cs_id = block.get("change_set_id")
    if cs_id is not None:
        status = {"approve": "approved", "reject": "rejected"}[action]
        stamp = utcnow().isoformat(timespec="seconds")
        conn.execute(
            update(t.change_sets)
            .where(t.change_sets.c.id == cs_id)
            .values(status=status, decided_by=actor, decided_at=stamp)
        )
    audit(conn, actor, action, run_id, cs_id, hash=block["hash"], kind=block["kind"], reasons=block["reasons"])
