"""Export: apply a change set batch by batch, recording each change's own result.

Each batch is marked ``sending`` and committed before the target is called, and its
results are committed right after. If the process dies in between, the next attempt
asks the target which of the ``sending`` changes it already has (``confirm``) and
sends only the rest, so nothing is applied twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from edusync.connectors.base import Capability, Connector
from edusync.engine.diff import after
from edusync.errors import RetriableError
from edusync.model.records import Change, ChangeResult, Op
from edusync.services.connectors import open_connector
from edusync.services.context import RunContext

SELECT = (
    "SELECT id, object_type, key, op, attrs, hash, mv_id, soft FROM changes "
    "WHERE change_set_id = ? AND status = ? AND id > ? ORDER BY id LIMIT ?"
)
MARK_RANGE = "UPDATE changes SET status = ? WHERE change_set_id = ? AND status = ? AND id >= ? AND id <= ?"
MARK_ONE = "UPDATE changes SET status = ? WHERE id = ?"
FAIL = "UPDATE changes SET status = 'failed', attempts = attempts + 1, error = ? WHERE id = ?"
UPSERT = (
    "INSERT INTO target_objects (target, object_type, key, mv_id, hash, attrs, state, run_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (target, object_type, key) DO UPDATE SET "
    "mv_id = excluded.mv_id, hash = excluded.hash, attrs = excluded.attrs, state = excluded.state, "
    "run_id = excluded.run_id"
)
DROP = "DELETE FROM target_objects WHERE target = ? AND object_type = ? AND key = ?"
MAX_ERRORS = 50
OPS = {op.value: op for op in Op}


class Exporter:
    def __init__(self, ctx: RunContext, target: str, cs_id: int) -> None:
        self.ctx, self.target, self.cs_id = ctx, target, cs_id
        self.batch = ctx.config.targets[target].batch_size
        self.failed = 0

    def _load(self, conn: Connection, status: str, after_id: int = 0, limit: int = 10**9) -> list[Change]:
        rows = self.ctx.db.fetch(conn, SELECT, (self.cs_id, status, after_id, limit))
        return [
            Change(id=i, object_type=ot, key=k, op=OPS[op], hash=h, mv_id=m, soft=bool(s), attrs_json=a)
            for i, ot, k, op, a, h, m, s in rows
        ]

    def run(self) -> dict[str, Any]:
        connector = open_connector(self.ctx, self.target)
        try:
            connector.begin_export(self.ctx.run_id, self.cs_id)
            self._resume(connector)
            sent = 0
            while True:
                with self.ctx.db.begin() as conn:
                    batch = self._load(conn, "pending", 0, self.batch)
                    if not batch:
                        break
                    self._mark_range(conn, batch, "pending", "sending")
                self._send(connector, batch)
                sent += len(batch)
                self.ctx.progress(f"export {self.target}", sent, None)
            connector.finish_export()
        finally:
            connector.close()
        status = "partial" if self.failed else "done"
        with self.ctx.db.begin() as conn:
            conn.exec_driver_sql(self.ctx.db.q("UPDATE change_sets SET status = ? WHERE id = ?"), (status, self.cs_id))
        return {"status": status, "failed": self.failed}

    def _mark_range(self, conn: Connection, batch: list[Change], old: str, new: str) -> None:
        if batch:
            self.ctx.db.many(conn, MARK_RANGE, [(new, self.cs_id, old, batch[0].id, batch[-1].id)])

    def _resume(self, connector: Connector) -> None:
        with self.ctx.db.begin() as conn:
            sending = self._load(conn, "sending")
        if not sending:
            return
        have = connector.confirm(sending) if connector.supports(Capability.CONFIRM) else set()
        with self.ctx.db.begin() as conn:
            # Back to pending first: _record marks every remaining "sending" row of its range as done.
            self.ctx.db.many(conn, MARK_ONE, [("pending", c.id) for c in sending if c.id not in have])
            self._record(conn, [ChangeResult(c.id, True) for c in sending if c.id in have], sending)
        self.ctx.report.warnings.append(
            f"{self.target}: resumed an interrupted export; {len(have)} of {len(sending)} in-flight changes "
            "were already applied and were not sent again"
        )

    def _send(self, connector: Connector, batch: list[Change]) -> None:
        remote = [c for c in batch if c.op != Op.FORGET]
        try:
            results = connector.export(remote) if remote else []
        except RetriableError as exc:
            results = [ChangeResult(c.id, False, str(exc), True) for c in remote]
        results += [ChangeResult(c.id, True) for c in batch if c.op == Op.FORGET]
        missing = {c.id for c in batch} - {r.change_id for r in results}
        if missing:
            raise RetriableError(f"{self.target}: the connector returned no result for {len(missing)} changes")
        with self.ctx.db.begin() as conn:
            self._record(conn, results, batch)

    def _record(self, conn: Connection, results: list[ChangeResult], batch: list[Change]) -> None:
        """Failures first (one by one), then the rest of the batch's ``sending`` rows as done in one range."""
        db, ctx = self.ctx.db, self.ctx
        by_id = {c.id: c for c in batch}
        bad = [r for r in results if not r.ok]
        db.many(conn, FAIL, [((r.error or "failed")[:2000], r.change_id) for r in bad])
        self.failed += len(bad)
        for r in bad[:MAX_ERRORS]:
            c = by_id[r.change_id]
            ctx.report.errors.append(f"{self.target}: {c.op} {c.object_type} {c.key}: {r.error}")
        ok = [by_id[r.change_id] for r in results if r.ok]
        ok_ids = {c.id for c in ok}
        db.many(conn, MARK_RANGE, [("done", self.cs_id, "sending", min(ok_ids), max(ok_ids))] if ok_ids else [])
        keep, drop = [], []
        for c in ok:
            state = after(c.op, c.soft)
            if state is None:
                drop.append((self.target, c.object_type, c.key))
            else:
                keep.append(
                    (
                        self.target,
                        c.object_type,
                        c.key,
                        c.mv_id,
                        c.hash,
                        c.attrs_json or "{}",
                        state,
                        ctx.run_id,
                    )
                )
        db.many(conn, UPSERT, keep)
        db.many(conn, DROP, drop)
