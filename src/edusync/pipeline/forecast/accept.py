"""A forecast's export: every change of a planned change set taken as sent, and nothing sent.

A calendar runs night after night in one rolled-back transaction; for the second night to plan
only what is new, the first night's change set must be recorded as the target's state, as an
export records it. :class:`Accepted` is the exporter with the connector left out: each batch is
recorded as gone through (the real exporter's bookkeeping, :meth:`Exporter._record`), the
change set closes ``done``, and planning next starts after this run.
"""

from __future__ import annotations

from edusync.model.records import ChangeResult
from edusync.pipeline.exporting import store
from edusync.pipeline.exporting.step import Exporter
from edusync.pipeline.planning.planner import plan_digest


class Accepted(Exporter):
    def accept(self) -> None:
        db, upto = self.ctx.db, 0
        while True:
            with db.begin() as conn:
                batch = self.store.pending(conn, upto, limit=self.configured or 500)
                if not batch:
                    break
                self._record(conn, [ChangeResult(c.id, True) for c in batch], batch, batch[-1].id)
            upto = batch[-1].id
        with db.begin() as conn:
            self.store.close(conn, "done")
            store.exported(db, conn, self.target, self.ctx.run_id, plan_digest(self.ctx, self.target))
