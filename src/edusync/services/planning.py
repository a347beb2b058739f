"""Plan: what each target should have, against what it was last sent, as a stored change set.

Only metaverse objects changed since the target's last exported plan are read (plus
those whose last change failed), so a quiet night plans almost nothing. A change of
the target's configuration replans everything.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, func, select, text, update

from edusync.config.models import ProvisionRule, TargetConfig
from edusync.engine.criteria import compile_all
from edusync.engine.diff import Planned, Sent, diff
from edusync.engine.flows import FlowSet
from edusync.model.hashing import content_hash, dumps, loads
from edusync.model.records import State
from edusync.services.context import RunContext
from edusync.storage import tables as t

PAGE = 20_000
# Literal, so that SQLite matches it to the partial index of failed changes.
FAILED = text("status = 'failed'")
RETRY = (
    "SELECT c.mv_id FROM changes AS c JOIN change_sets AS s ON s.id = c.change_set_id "
    "WHERE c.status = 'failed' AND s.target = ? AND c.object_type = ? AND c.mv_id IS NOT NULL"
)
KNOWN = "SELECT 1 FROM target_objects WHERE target = ? AND object_type = ? LIMIT 1"
BY_ID = "SELECT id, attrs, state FROM mv_objects WHERE id IN ({marks})"
CHANGED = "SELECT id, attrs, state FROM mv_objects WHERE object_type = ? AND changed_run > ?"
SENT = "SELECT key, hash, state, attrs FROM target_objects WHERE target = ? AND object_type = ? AND key IN ({marks})"
CHANGE_COLUMNS = (
    "change_set_id",
    "object_type",
    "key",
    "op",
    "attrs",
    "hash",
    "mv_id",
    "soft",
    "status",
    "attempts",
)


@dataclass
class PlanResult:
    change_set_id: int
    hash: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    before: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(v.values()) for v in self.counts.values())


def config_hash(target: TargetConfig) -> str:
    return content_hash(target.model_dump(mode="json"))


def target_counts(conn: Connection, target: str) -> dict[str, int]:
    to = t.target_objects
    q = (
        select(to.c.object_type, func.count())
        .where(to.c.target == target, to.c.state != "deleted")
        .group_by(to.c.object_type)
    )
    return {k: int(n) for k, n in conn.execute(q)}


def plan_target(ctx: RunContext, conn: Connection, target: str, status: str) -> PlanResult:
    tcfg = ctx.config.targets[target]
    row = conn.execute(select(t.target_state).where(t.target_state.c.target == target)).first()
    digest = config_hash(tcfg)
    since = 0 if row is None or row.config_hash != digest else int(row.planned_run)
    cs_id = _new_change_set(ctx, conn, target)
    result = PlanResult(cs_id, "", before=target_counts(conn, target))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    running = hashlib.blake2b(digest_size=16)
    for rule in tcfg.objects:
        _Planner(ctx, conn, target, rule, cs_id, counts, running).plan(since, full=since == 0)
    _supersede(conn, target, cs_id)
    result.hash = running.hexdigest()
    result.counts = {k: dict(v) for k, v in counts.items()}
    conn.execute(
        update(t.change_sets)
        .where(t.change_sets.c.id == cs_id)
        .values(hash=result.hash, status=status, counts=dumps(result.counts), base_counts=dumps(result.before))
    )
    return result


def _new_change_set(ctx: RunContext, conn: Connection, target: str) -> int:
    res = conn.execute(
        t.change_sets.insert().values(
            run_id=ctx.run_id,
            target=target,
            hash="",
            status="planning",
            counts="{}",
            base_counts="{}",
            created_at=ctx.stamp,
        )
    )
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def _supersede(conn: Connection, target: str, cs_id: int) -> None:
    """Earlier unsent change sets of this target are replaced by the new one."""
    cst = t.change_sets
    conn.execute(
        update(cst)
        .where(cst.c.target == target, cst.c.id != cs_id, cst.c.status.in_(["blocked", "preview", "planned"]))
        .values(status="superseded")
    )
    db_failed = select(cst.c.id).where(cst.c.target == target, cst.c.id != cs_id)
    conn.execute(update(t.changes).where(FAILED, t.changes.c.change_set_id.in_(db_failed)).values(status="superseded"))


class _Planner:
    def __init__(
        self,
        ctx: RunContext,
        conn: Connection,
        target: str,
        rule: ProvisionRule,
        cs_id: int,
        counts: dict[str, dict[str, int]],
        running: Any,
    ) -> None:
        self.ctx, self.conn, self.target, self.rule, self.cs_id = ctx, conn, target, rule, cs_id
        self.scope = compile_all(rule.scope)
        self.flows = FlowSet(rule.flows)
        self.states = {s.value for s in rule.states}
        self.counts = counts
        self.running = running

    def plan(self, since: int, *, full: bool) -> None:
        """Changed objects, and those whose last change failed, streamed in index order.

        The change set's hash follows the order the changes are stored in, which is
        this order, so it can be recomputed from the stored changes.
        """
        db, label = self.ctx.db, f"plan {self.target}/{self.rule.object_type}"
        self.known = bool(db.fetch(self.conn, KNOWN, (self.target, self.rule.object_type)))
        retry = self._retry_ids()
        if retry:
            self._page(db.fetch_in(self.conn, BY_ID, (), retry))
        skip = set(retry)
        done = 0
        for batch in db.stream(self.conn, CHANGED, (self.rule.metaverse_type, since), PAGE):
            self._page([r for r in batch if r[0] not in skip] if skip else batch)
            done += len(batch)
            self.ctx.progress(label, done, None)
        if full:
            self._orphans()

    def _retry_ids(self) -> list[str]:
        """Objects whose last change to this target failed (read through the small index of failures)."""
        rows = self.ctx.db.fetch(self.conn, RETRY, (self.target, self.rule.object_type))
        return sorted({str(r[0]) for r in rows})

    def _sent(self, keys: list[str]) -> dict[str, Sent]:
        """What the target was last sent for these keys (nothing to ask when it has none of this type)."""
        if not self.known:
            return {}
        rows = self.ctx.db.fetch_in(self.conn, SENT, (self.target, self.rule.object_type), keys)
        return {k: Sent(h, s, a) for k, h, s, a in rows}

    def _page(self, rows: Sequence[Any]) -> None:
        if not rows:
            return
        ctx, rule = self.ctx, self.rule
        sent = self._sent([r[0] for r in rows])
        out = []
        for mv_id, attrs_text, state in rows:
            attrs = loads(attrs_text)
            desired = None
            if state in self.states and self.scope(attrs, ctx.rules):
                desired = self.flows.apply(attrs, ctx.rules) if rule.flows else attrs
            planned = diff(desired, state == State.ARCHIVED.value, sent.get(mv_id), rule.deprovision)
            if planned is not None:
                out.append(self._change(mv_id, planned))
        self._store(out)

    def _change(self, key: str, planned: Planned) -> tuple[Any, ...]:
        op = planned.op.value
        self.counts[self.rule.object_type][op] += 1
        self.running.update(f"{self.rule.object_type}\x1f{key}\x1f{op}\x1f{planned.hash}\n".encode())
        return (
            self.cs_id,
            self.rule.object_type,
            key,
            op,
            planned.text,
            planned.hash,
            key,
            planned.soft,
            "pending",
            0,
        )

    def _store(self, rows: list[tuple[Any, ...]]) -> None:
        self.ctx.db.insert(self.conn, t.changes, CHANGE_COLUMNS, rows)

    def _orphans(self) -> None:
        """Objects the target has whose metaverse object no longer exists at all."""
        to, mv = t.target_objects, t.mv_objects
        q = select(to.c.key, to.c.hash, to.c.state, to.c.attrs).where(
            and_(
                to.c.target == self.target,
                to.c.object_type == self.rule.object_type,
                to.c.state != "deleted",
                to.c.key.not_in(select(mv.c.id).where(mv.c.object_type == self.rule.metaverse_type)),
            )
        )
        out = []
        for key, digest, state, attrs in self.conn.execute(q):
            planned = diff(None, False, Sent(digest, state, attrs), self.rule.deprovision)
            if planned is not None:
                out.append(self._change(key, planned))
        self._store(out)
