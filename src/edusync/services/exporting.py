"""Export: apply a change set batch by batch, recording each change's own result.

Each batch is marked ``sending`` and committed before the target is called, and its
results are committed right after. If the process dies in between, the next attempt
asks the target which of the ``sending`` changes it already has (``confirm``) and
sends only the rest, so nothing is applied twice.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from edusync.connectors.base import Capability, Connector
from edusync.engine.diff import after
from edusync.errors import RetriableError
from edusync.model.hashing import loads
from edusync.model.records import Change, ChangeResult, Op
from edusync.services.connectors import open_connector
from edusync.services.context import RunContext
from edusync.storage import tables as t


def _load(conn: Connection, cs_id: int, status: str, limit: int | None = None) -> list[Change]:
    ch = t.changes
    q = (
        select(ch.c.id, ch.c.object_type, ch.c.key, ch.c.op, ch.c.attrs, ch.c.hash, ch.c.mv_id, ch.c.soft)
        .where(ch.c.change_set_id == cs_id, ch.c.status == status)
        .order_by(ch.c.id)
    )
    if limit:
        q = q.limit(limit)
    return [
        Change(
            id=i,
            object_type=ot,
            key=k,
            op=Op(op),
            attrs=loads(a),
            hash=h,
            mv_id=m,
            soft=bool(s),
        )
        for i, ot, k, op, a, h, m, s in conn.execute(q)
    ]


class Exporter:
    def __init__(self, ctx: RunContext, target: str, cs_id: int) -> None:
        self.ctx, self.target, self.cs_id = ctx, target, cs_id
        self.batch = ctx.config.targets[target].batch_size
        self.done: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.failed = 0

    def run(self) -> dict[str, Any]:
        connector = open_connector(self.ctx, self.target)
        try:
            connector.begin_export(self.ctx.run_id, self.cs_id)
            self._resume(connector)
            sent = 0
            while True:
                with self.ctx.db.begin() as conn:
                    batch = _load(conn, self.cs_id, "pending", self.batch)
                    if not batch:
                        break
                    self._mark(conn, [c.id for c in batch], "sending")
                self._send(connector, batch)
                sent += len(batch)
                self.ctx.progress(f"export {self.target}", sent, None)
            connector.finish_export()
        finally:
            connector.close()
        status = "partial" if self.failed else "done"
        with self.ctx.db.begin() as conn:
            conn.execute(update(t.change_sets).where(t.change_sets.c.id == self.cs_id).values(status=status))
        return {"status": status, "failed": self.failed}

    def _resume(self, connector: Connector) -> None:
        with self.ctx.db.begin() as conn:
            sending = _load(conn, self.cs_id, "sending")
        if not sending:
            return
        have = connector.confirm(sending) if connector.supports(Capability.CONFIRM) else set()
        with self.ctx.db.begin() as conn:
            self._record(conn, [ChangeResult(c.id, True) for c in sending if c.id in have], sending)
            self._mark(conn, [c.id for c in sending if c.id not in have], "pending")
        self.ctx.report.warnings.append(
            f"{self.target}: resumed an interrupted export; {len(have)} of {len(sending)} in-flight changes "
            "were already applied and are not sent again"
        )

    def _send(self, connector: Connector, batch: list[Change]) -> None:
        local = [c for c in batch if c.op == Op.FORGET]
        remote = [c for c in batch if c.op != Op.FORGET]
        try:
            results = connector.export(remote) if remote else []
        except RetriableError as exc:
            results = [ChangeResult(c.id, False, str(exc), True) for c in remote]
        results += [ChangeResult(c.id, True) for c in local]
        if {r.change_id for r in results} != {c.id for c in batch}:
            missing = len({c.id for c in batch} - {r.change_id for r in results})
            raise RetriableError(f"{self.target}: the connector returned no result for {missing} changes")
        with self.ctx.db.begin() as conn:
            self._record(conn, results, batch)

    def _mark(self, conn: Connection, ids: list[int], status: str) -> None:
        if ids:
            ch = t.changes
            conn.execute(
                update(ch).where(ch.c.id == bindparam("b_id")).values(status=status),
                [{"b_id": i} for i in ids],
            )

    def _record(self, conn: Connection, results: list[ChangeResult], batch: list[Change]) -> None:
        by_id = {c.id: c for c in batch}
        ch, to = t.changes, t.target_objects
        ok = [by_id[r.change_id] for r in results if r.ok]
        bad = [r for r in results if not r.ok]
        self._mark(conn, [c.id for c in ok], "done")
        if bad:
            conn.execute(
                update(ch)
                .where(ch.c.id == bindparam("b_id"))
                .values(status="failed", attempts=ch.c.attempts + 1, error=bindparam("error")),
                [{"b_id": r.change_id, "error": (r.error or "failed")[:2000]} for r in bad],
            )
            self.failed += len(bad)
            for r in bad[:50]:
                c = by_id[r.change_id]
                self.ctx.report.errors.append(f"{self.target}: {c.op} {c.object_type} {c.key}: {r.error}")
        keep, drop = [], []
        for c in ok:
            self.done[c.object_type][str(c.op)] += 1
            state = after(c.op, c.soft)
            if state is None:
                drop.append(c)
            else:
                keep.append(
                    {
                        "target": self.target,
                        "object_type": c.object_type,
                        "key": c.key,
                        "mv_id": c.mv_id,
                        "hash": c.hash,
                        "attrs": _dumps(c.attrs),
                        "state": state,
                        "run_id": self.ctx.run_id,
                    }
                )
        self.ctx.db.upsert(conn, to, keep, ["target", "object_type", "key"])
        if drop:
            conn.execute(
                delete(to).where(
                    to.c.target == self.target,
                    to.c.object_type == bindparam("b_type"),
                    to.c.key == bindparam("b_key"),
                ),
                [{"b_type": c.object_type, "b_key": c.key} for c in drop],
            )


def _dumps(value: Any) -> str:
    from edusync.model.hashing import dumps

    return dumps(value)
