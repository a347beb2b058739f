"""The gate's reads and writes: a blocked run's block, its change set's status and stored changes."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, select, update

from edusync.errors import RunNotBlocked
from edusync.model.hashing import dumps, loads
from edusync.pipeline.planning.changeset import change_line
from edusync.storage import tables
from edusync.storage.audit import utcnow

cst = tables.change_sets


def set_status(conn: Connection, cs_id: int, status: str) -> None:
    conn.execute(update(cst).where(cst.c.id == cs_id).values(status=status))


def status(conn: Connection, cs_id: int) -> str:
    return str(conn.execute(select(cst.c.status).where(cst.c.id == cs_id)).scalar_one())


def stored_hash(conn: Connection, cs_id: int) -> str:
    """Recompute a change set's hash from its stored changes, in the order the planner hashed them."""
    ch = tables.changes
    running = hashlib.blake2b(digest_size=16)
    q = select(ch.c.object_type, ch.c.key, ch.c.op, ch.c.hash).where(ch.c.change_set_id == cs_id).order_by(ch.c.id)
    for object_type, key, op, digest in conn.execute(q):
        running.update(change_line(object_type, key, op, digest))
    return running.hexdigest()


def blocked_run(conn: Connection, run_id: int) -> dict[str, Any]:
    """The block of a run that is blocked (refused otherwise)."""
    row = conn.execute(select(tables.runs.c.status, tables.runs.c.block).where(tables.runs.c.id == run_id)).first()
    if row is None:
        raise RunNotBlocked(run_id, None)
    if row.status != "blocked" or not row.block:
        raise RunNotBlocked(run_id, row.status)
    block: dict[str, Any] = loads(row.block)
    return block


def save_block(conn: Connection, run_id: int, block: dict[str, Any]) -> None:
    conn.execute(update(tables.runs).where(tables.runs.c.id == run_id).values(block=dumps(block)))


def mark_rejected(conn: Connection, run_id: int) -> None:
    conn.execute(update(tables.runs).where(tables.runs.c.id == run_id).values(status="rejected"))


def decided(conn: Connection, cs_id: int, status: str, actor: str) -> None:
    """Who approved or rejected a change set, and when."""
    stamp = utcnow().isoformat(timespec="seconds")
    conn.execute(update(cst).where(cst.c.id == cs_id).values(status=status, decided_by=actor, decided_at=stamp))
