"""Revert's SQL: what a run did to a target (with the prior values), what changed it again, holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from edusync import vault
from edusync.engine.diff import Sent
from edusync.engine.revert import Done
from edusync.storage import Database, tables

#: The change sets a run sent to a target (all of it, or part: a partial one's failures changed nothing).
SENT_SETS = "SELECT id FROM change_sets WHERE run_id = ? AND target = ? AND status IN ('done', 'partial') ORDER BY id"
DONE = (
    "SELECT id, object_type, key, mv_id, op, prior_state, prior_hash, prior_attrs FROM changes "
    "WHERE change_set_id = ? AND status = 'done' ORDER BY id"
)
#: Change sets of the target after a given one that changed it, or may be changing it now.
LATER_SETS = (
    "SELECT id, run_id FROM change_sets WHERE target = ? AND id > ? "
    "AND status IN ('done', 'partial', 'exporting', 'approved') ORDER BY id"
)
LATER = "SELECT object_type, key, op FROM changes WHERE change_set_id = ? AND status IN ('done', 'pending')"
RUN_TARGETS = "SELECT DISTINCT target FROM change_sets WHERE run_id = ? AND status IN ('done', 'partial') ORDER BY 1"
PUT_BACK = "SELECT object_type, key, mv_id FROM changes WHERE change_set_id = ? AND status = 'done'"
HOLD_COLUMNS = (
    "target",
    "object_type",
    "key",
    "mv_id",
    "reverted_run",
    "held_at",
    "held_by",
    "released_at",
    "released_by",
)


def run_targets(db: Database, conn: Connection, run_id: int) -> list[str]:
    """The targets a run exported to."""
    return [str(r[0]) for r in db.fetch(conn, RUN_TARGETS, (run_id,))]


def done_changes(db: Database, conn: Connection, run_id: int, target: str) -> tuple[list[Done], int]:
    """What the run did to the target, in the order it was sent, and its last change set's id."""
    opened = vault.current().unseal_text
    found: list[Done] = []
    last = 0
    for (cs_id,) in db.fetch(conn, SENT_SETS, (run_id, target)):
        last = int(cs_id)
        for _, ot, key, mv_id, op, state, digest, attrs in db.fetch(conn, DONE, (cs_id,)):
            if state is None:
                found.append(Done(ot, key, mv_id, op, None, kept=False))
            elif state == "absent":
                found.append(Done(ot, key, mv_id, op, None))
            else:
                found.append(Done(ot, key, mv_id, op, Sent(digest, state, opened(attrs))))
    return found, last


def later_changes(db: Database, conn: Connection, target: str, after_cs: int) -> dict[tuple[str, str], str]:
    """(object type, key) → the first later change of it at the target, as words (``run 9: update``)."""
    out: dict[tuple[str, str], str] = {}
    for cs_id, run_id in db.fetch(conn, LATER_SETS, (target, after_cs)):
        for ot, key, op in db.fetch(conn, LATER, (cs_id,)):
            out.setdefault((str(ot), str(key)), f"run {run_id}: {op}")
    return out


def put_back(db: Database, conn: Connection, cs_id: int) -> list[tuple[Any, ...]]:
    """The objects a revert's change set put back: object type, key, metaverse id."""
    return db.fetch(conn, PUT_BACK, (cs_id,))


def add_holds(db: Database, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Holds in :data:`HOLD_COLUMNS` order; an object held before is held again (by this revert)."""
    if not rows:
        return
    keys = ("target", "object_type", "key")
    db.upsert(conn, tables.holds, [dict(zip(HOLD_COLUMNS, r, strict=True)) for r in rows], keys)
