"""Approve or reject a blocked run; every decision lands in the audit log with who and when.

An approval is bound to the hash of what the person was shown: the exact change set
(threshold blocks) or the exact set of lost objects (input blocks). If the stored
change set no longer has that hash, or a later run has replaced it, the approval
is refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from edusync.errors import (
    ActorUnknown,
    AlreadyApproved,
    ChangeSetAltered,
    ChangeSetReplaced,
    HashMismatch,
    HashTooShort,
)
from edusync.model.fnr import mask_ids
from edusync.pipeline.gate import store
from edusync.storage import Database
from edusync.storage.audit import audit

#: The shortest part of a hash an approval may name: 12 hex digits leave a 1 in 2**48 chance of a match by luck.
MIN_EXPECT = 12


def check_actor(actor: str | None) -> str:
    """Who decides must be known: an approval recorded as "unknown" binds nobody."""
    if not actor or not actor.strip() or actor.strip().lower() == "unknown":
        raise ActorUnknown()
    return actor.strip()


def check_expect(run_id: int, expect: str | None, digest: str) -> None:
    """The hash the person reviewed: the whole of it, or at least its first :data:`MIN_EXPECT` characters."""
    given = (expect or "").strip().lower()
    if len(given) < MIN_EXPECT:
        raise HashTooShort(run_id, given, MIN_EXPECT)
    if not digest.startswith(given):
        raise HashMismatch(run_id, given, digest[:MIN_EXPECT])


def blocked(db: Database, run_id: int) -> dict[str, Any]:
    """The block of a blocked run, to show a person before they decide."""
    with db.begin() as conn:
        return store.blocked_run(conn, run_id)


def approve(db: Database, run_id: int, actor: str, expect: str | None, reason: str = "") -> dict[str, Any]:
    """Record the approval bound to ``expect`` (the reviewed hash); the caller then resumes the run."""
    actor, reason = check_actor(actor), mask_ids(reason)  # a reason is stored and shown: no national id in it
    with db.begin() as conn:
        block = store.blocked_run(conn, run_id)
        if block.get("approved"):
            raise AlreadyApproved(run_id, block.get("approved_by"))
        check_expect(run_id, expect, block["hash"])
        cs_id = block.get("change_set_id")
        if cs_id is not None:
            status = store.status(conn, cs_id)
            if status != "blocked":
                raise ChangeSetReplaced(run_id, cs_id, status)
            if store.stored_hash(conn, cs_id) != block["hash"]:
                raise ChangeSetAltered(run_id, cs_id)
        block["approved"] = True
        block["approved_by"] = actor
        block["reason"] = reason
        store.save_block(conn, run_id, block)
        _decide(conn, run_id, block, actor, "approve", reason)
    return block


def reject(db: Database, run_id: int, actor: str, reason: str = "") -> dict[str, Any]:
    actor, reason = check_actor(actor), mask_ids(reason)  # a reason is stored and shown: no national id in it
    with db.begin() as conn:
        block = store.blocked_run(conn, run_id)
        store.mark_rejected(conn, run_id)
        _decide(conn, run_id, block, actor, "reject", reason)
    return block


def _decide(conn: Connection, run_id: int, block: dict[str, Any], actor: str, action: str, reason: str) -> None:
    """Record who decided what on the change set (if the block has one) and in the audit log."""
    cs_id = block.get("change_set_id")
    if cs_id is not None:
        store.decided(conn, cs_id, {"approve": "approved", "reject": "rejected"}[action], actor)
    audit(
        conn,
        actor,
        action,
        run_id,
        cs_id,
        hash=block["hash"],
        kind=block["kind"],
        reasons=block["reasons"],
        reason=reason,
    )
