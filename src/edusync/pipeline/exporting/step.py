"""Export: apply a change set batch by batch, recording each change's own result.

Before a batch is sent, its id range is recorded as *in flight* and committed;
right after, the failures are recorded one by one and the change set's
``sent_upto`` moves past the batch. If the process dies in between, the next
attempt asks the target which in-flight changes it already has (``confirm``) and
sends only the rest, so nothing is applied twice. Successful changes are marked
``done`` in one statement when the change set is complete, so a million changes
do not cost a million row updates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from edusync import faults
from edusync.connectors.base import Capability, Connector
from edusync.engine.diff import after
from edusync.errors import RetriableError
from edusync.model.records import Change, ChangeResult, Op
from edusync.pipeline.connectors import open_connector
from edusync.pipeline.context import RunContext, stop_point
from edusync.pipeline.exporting.store import ExportStore
from edusync.storage.audit import audit

MAX_ERRORS = 50


class Exporter:
    """Sends one change set to its target; ``run`` may be called again after a crash and sends only the rest."""

    def __init__(self, ctx: RunContext, target: str, cs_id: int) -> None:
        self.ctx, self.target, self.cs_id = ctx, target, cs_id
        self.store = ExportStore(ctx.db, cs_id)
        self.configured = ctx.config.targets[target].batch_size
        self.failed = 0

    def run(self) -> dict[str, Any]:
        db = self.ctx.db
        connector = open_connector(self.ctx, self.target)
        self.batch = self.configured or connector.default_batch_size
        try:
            connector.begin_export(self.ctx.run_id, self.cs_id)
            upto = self._resume(connector)
            sent = 0
            while True:
                with db.begin() as conn:
                    batch = self.store.pending(conn, upto, limit=self.batch)
                    if not batch:
                        break
                    self.store.in_flight(conn, batch[0].id, batch[-1].id)
                faults.reach("export.before_batch")
                self._send(connector, batch)
                upto = batch[-1].id
                sent += len(batch)
                self.ctx.progress(f"export {self.target}", sent, None)
                stop_point(f"after a batch of {self.target}'s export ({sent} sent in this attempt)")
            connector.finish_export()
            faults.reach("export.published")
        finally:
            connector.close()
        status = "partial" if self.failed else "done"
        with db.begin() as conn:
            self.store.close(conn, status)
            # In the same transaction: an export is in the audit log exactly when its change set is closed.
            audit(
                conn,
                self.ctx.actor,
                "export",
                self.ctx.run_id,
                self.cs_id,
                target=self.target,
                status=status,
                changes=self.store.outcome(conn),
            )
        faults.reach("export.closed")
        return {"status": status, "failed": self.failed}

    def _resume(self, connector: Connector) -> int:
        """Settle a batch left in flight by a dead process; return how far the change set has gone."""
        db = self.ctx.db
        with db.begin() as conn:
            upto, lo, hi = self.store.progress(conn)
            inflight = self.store.pending(conn, lo - 1, hi) if lo is not None and hi is not None else []
        if not inflight or hi is None:
            return upto
        have = connector.confirm(inflight) if connector.supports(Capability.CONFIRM) else set()
        confirmed = [c for c in inflight if c.id in have]
        with db.begin() as conn:
            # Marked done one by one and the batch stays in flight: if we die again, only the rest is asked about.
            self._record(conn, [ChangeResult(c.id, True) for c in confirmed], confirmed, None)
        self.ctx.report.warnings.append(
            f"{self.target}: resumed an interrupted export; {len(have)} of {len(inflight)} in-flight changes "
            "were already applied and were not sent again"
        )
        rest = [c for c in inflight if c.id not in have]
        if rest:
            self._send(connector, rest)
        with db.begin() as conn:
            self.store.sent_upto(conn, hi)
        return int(hi)

    def _send(self, connector: Connector, batch: list[Change]) -> None:
        # A forget is edusync's own business, unless the connector keeps a picture that must follow it.
        told = bool(getattr(connector, "receives_forget", False))
        remote = [c for c in batch if told or c.op != Op.FORGET]
        try:
            results = connector.export(remote) if remote else []
        except RetriableError as exc:
            results = [ChangeResult(c.id, False, str(exc), True) for c in remote]
        results += [ChangeResult(c.id, True) for c in batch if not told and c.op == Op.FORGET]
        faults.reach("export.after_batch")
        missing = {c.id for c in batch} - {r.change_id for r in results}
        if missing:
            raise RetriableError(f"{self.target}: the connector returned no result for {len(missing)} changes")
        with self.ctx.db.begin() as conn:
            self._record(conn, results, batch, batch[-1].id)
        faults.reach("export.recorded")

    def _record(self, conn: Connection, results: list[ChangeResult], batch: list[Change], upto: int | None) -> None:
        """Failures one by one; what went through into the target's state; then move ``sent_upto``.

        With ``upto`` None the progress stays and the successes are marked done one by one.
        """
        ctx = self.ctx
        by_id = {c.id: c for c in batch}
        bad = [r for r in results if not r.ok]
        self.store.failed(conn, [((r.error or "failed")[:2000], r.change_id) for r in bad])
        self.failed += len(bad)
        for r in bad[:MAX_ERRORS]:
            c = by_id[r.change_id]
            ctx.report.errors.append(f"{self.target}: {c.op} {c.object_type} {c.key}: {r.error}")
        keep, drop = [], []
        for r in results:
            if not r.ok:
                continue
            c = by_id[r.change_id]
            state = after(c.op, c.soft)
            if state is None:
                drop.append((self.target, c.object_type, c.key))
            else:
                keep.append(
                    (self.target, c.object_type, c.key, c.mv_id, c.hash, c.attrs_json or "{}", state, ctx.run_id)
                )
        keep.sort(key=lambda row: (row[1], row[2]))  # key order keeps the index writes together
        self.store.held(conn, keep, drop)
        if upto is None:
            self.store.done(conn, [r.change_id for r in results if r.ok])
        else:
            self.store.sent_upto(conn, upto)
