"""The export's bookkeeping: the change set's progress and in-flight range, each change's result,
and what the target holds afterwards (``target_objects``), written as each batch comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from edusync import vault
from edusync.model.records import Change, Op
from edusync.storage import Database, tables

SELECT = (
    "SELECT id, object_type, key, op, attrs, hash, mv_id, soft FROM changes "
    "WHERE change_set_id = ? AND id > ? AND id <= ? AND status = 'pending' ORDER BY id LIMIT ?"
)
PROGRESS = "SELECT sent_upto, inflight_from, inflight_to FROM change_sets WHERE id = ?"
INFLIGHT = "UPDATE change_sets SET inflight_from = ?, inflight_to = ? WHERE id = ?"
SENT = "UPDATE change_sets SET sent_upto = ?, inflight_from = NULL, inflight_to = NULL WHERE id = ?"
FAIL = "UPDATE changes SET status = 'failed', attempts = attempts + 1, error = ? WHERE id = ?"
DONE = "UPDATE changes SET status = 'done', attempts = attempts + 1 WHERE change_set_id = ? AND status = 'pending'"
DONE_ONE = "UPDATE changes SET status = 'done', attempts = attempts + 1 WHERE id = ?"
OUTCOME = "SELECT op, status, count(*) FROM changes WHERE change_set_id = ? GROUP BY op, status"
FINISH = "UPDATE change_sets SET status = ? WHERE id = ?"
TARGET_KEYS = ("target", "object_type", "key")
TARGET_COLUMNS = ("target", "object_type", "key", "mv_id", "hash", "attrs", "state", "run_id")
DROP = "DELETE FROM target_objects WHERE target = ? AND object_type = ? AND key = ?"
LAST = 2**62
OPS = {op.value: op for op in Op}


class ExportStore:
    """One change set's rows, as the exporter reads and settles them."""

    def __init__(self, db: Database, cs_id: int) -> None:
        self.db, self.cs_id = db, cs_id

    def pending(self, conn: Connection, after_id: int, upto: int = LAST, limit: int = LAST) -> list[Change]:
        """Pending changes with ids in (``after_id``, ``upto``], in id order."""
        rows = self.db.fetch(conn, SELECT, (self.cs_id, after_id, upto, limit))
        opened = vault.current().unseal_text
        return [
            Change(id=i, object_type=ot, key=k, op=OPS[op], hash=h, mv_id=m, soft=bool(s), attrs_json=opened(a))
            for i, ot, k, op, a, h, m, s in rows
        ]

    def progress(self, conn: Connection) -> tuple[int, int | None, int | None]:
        """How far the change set has gone, and the batch left in flight (if any)."""
        upto, lo, hi = self.db.fetch(conn, PROGRESS, (self.cs_id,))[0]
        return int(upto), lo, hi

    def in_flight(self, conn: Connection, first: int, last: int) -> None:
        self.db.many(conn, INFLIGHT, [(first, last, self.cs_id)])

    def sent_upto(self, conn: Connection, upto: int) -> None:
        self.db.many(conn, SENT, [(upto, self.cs_id)])

    def failed(self, conn: Connection, failures: Sequence[tuple[str, int]]) -> None:
        """(error, change id) per failed change."""
        self.db.many(conn, FAIL, failures)

    def done(self, conn: Connection, change_ids: Sequence[int]) -> None:
        self.db.many(conn, DONE_ONE, [(i,) for i in change_ids])

    def close(self, conn: Connection, status: str) -> None:
        """Every change still pending went through; the change set ends ``done`` or ``partial``."""
        self.db.many(conn, DONE, [(self.cs_id,)])
        self.db.many(conn, FINISH, [(status, self.cs_id)])

    def outcome(self, conn: Connection) -> dict[str, dict[str, int]]:
        """How many changes of each kind (op) the change set holds, by status (done, failed)."""
        out: dict[str, dict[str, int]] = {}
        for op, state, n in self.db.fetch(conn, OUTCOME, (self.cs_id,)):
            out.setdefault(str(op), {})[str(state)] = int(n)
        return out

    def held(self, conn: Connection, keep: Sequence[tuple[Any, ...]], drop: Sequence[tuple[str, str, str]]) -> None:
        """What the target holds now: ``keep`` rows in :data:`TARGET_COLUMNS` order, ``drop`` keys gone."""
        seal = vault.current().seal_text
        keep = [(*r[:5], seal(r[5]), *r[6:]) for r in keep]
        self.db.upsert_rows(conn, tables.target_objects, TARGET_KEYS, TARGET_COLUMNS, keep)
        self.db.many(conn, DROP, drop)


def latest_change_set(conn: Connection, run_id: int, target: str) -> tuple[int, str, str, str] | None:
    """This run's newest change set for ``target``: id, status, counts and base counts (JSON)."""
    cst = tables.change_sets
    row = conn.execute(
        select(cst.c.id, cst.c.status, cst.c.counts, cst.c.base_counts)
        .where(cst.c.run_id == run_id, cst.c.target == target)
        .order_by(cst.c.id.desc())
    ).first()
    return None if row is None else (int(row[0]), str(row[1]), str(row[2]), str(row[3]))


def exported(db: Database, conn: Connection, target: str, run_id: int, digest: str) -> None:
    """Planning for ``target`` next starts after ``run_id``, unless its config digest changes."""
    row = {"target": target, "planned_run": run_id, "config_hash": digest}
    db.upsert(conn, tables.target_state, [row], ["target"])


RELEASED = "DELETE FROM holds WHERE target = ? AND released_at IS NOT NULL"
#: Only change sets of the month before the cutoff are looked at, so older ones, cleared already, are
#: not read again at every export (a target not exported for a month keeps some prior values longer).
CLEAR = (
    "UPDATE changes SET prior_state = NULL, prior_hash = NULL, prior_attrs = NULL WHERE prior_state IS NOT NULL "
    "AND change_set_id IN (SELECT id FROM change_sets WHERE target = ? AND created_at < ? AND created_at >= ?)"
)


def after_export(db: Database, conn: Connection, target: str, cutoff: str, window: str) -> None:
    """Released holds are planned now, so they go; prior values older than the retention are cleared."""
    db.many(conn, RELEASED, [(target,)])
    db.many(conn, CLEAR, [(target, cutoff, window)])
