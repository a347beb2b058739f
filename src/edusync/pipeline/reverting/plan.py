"""Plan a revert: the change set that puts one target back as it was before a run.

Undo changes come in two passes so that references hold at the target: what comes back (adds,
restores, old values) in the order the run sent it, then what goes (the run's adds) in reverse, so
a membership is deleted before its person and a person re-added before its membership. The hash
follows that order, as a planned change set's does, so the gate and an approval treat it alike.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection

from edusync.engine.diff import Sent
from edusync.engine.revert import Undo, undo
from edusync.model.records import Op
from edusync.pipeline.planning import store as planning
from edusync.pipeline.planning.changeset import change_line
from edusync.pipeline.reverting import store
from edusync.storage import Database


@dataclass
class RevertPlan:
    """What undoing a run at one target takes: the changes in send order, and the objects refused."""

    target: str
    reverted_run: int
    undo: list[Undo] = field(default_factory=list)
    refused: list[Undo] = field(default_factory=list)
    current: dict[tuple[str, str], Sent | None] = field(default_factory=dict)
    hash: str = ""

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        out: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        for u in self.undo:
            assert u.planned is not None
            out[u.done.object_type][u.planned.op.value] += 1
        return {k: dict(v) for k, v in out.items()}

    def refusals(self) -> list[dict[str, str]]:
        return [{"object_type": u.done.object_type, "key": u.done.key, "reason": str(u.reason)} for u in self.refused]


def plan_revert(db: Database, conn: Connection, run_id: int, target: str) -> RevertPlan:
    """Read what ``run_id`` did to ``target`` and work out its undoing; nothing is stored."""
    done, last_cs = store.done_changes(db, conn, run_id, target)
    plan = RevertPlan(target, run_id)
    later = store.later_changes(db, conn, target, last_cs) if done else {}
    by_type: defaultdict[str, list[str]] = defaultdict(list)
    for d in done:
        by_type[d.object_type].append(d.key)
    for ot, keys in by_type.items():
        sent = planning.sent(db, conn, target, ot, keys)
        plan.current.update(((ot, k), sent.get(k)) for k in keys)
    ups: list[Undo] = []
    downs: list[Undo] = []
    for d in done:
        u = undo(d, plan.current[(d.object_type, d.key)], later.get((d.object_type, d.key)))
        if u.reason is not None:
            plan.refused.append(u)
        elif u.planned is not None:
            (downs if u.planned.op == Op.DELETE else ups).append(u)
    plan.undo = ups + downs[::-1]
    running = hashlib.blake2b(digest_size=16)
    for u in plan.undo:
        assert u.planned is not None
        running.update(change_line(u.done.object_type, u.done.key, u.planned.op.value, u.planned.hash))
    plan.hash = running.hexdigest()
    return plan


def store_plan(db: Database, conn: Connection, plan: RevertPlan, run_id: int, stamp: str) -> int:
    """The plan as this run's change set of the target (``planned``), each change with what it replaces."""
    cs_id = planning.new_change_set(conn, run_id, plan.target, stamp)
    rows = []
    for u in plan.undo:
        p, now = u.planned, plan.current[(u.done.object_type, u.done.key)]
        assert p is not None
        before = ("absent", None, None) if now is None else (now.state, now.hash, now.text)
        rows.append((cs_id, u.done.object_type, u.done.key, p.op.value, p.text, p.hash, u.done.mv_id, p.soft,
                     "pending", 0, *before))  # fmt: skip
    planning.add_changes(db, conn, rows)
    planning.supersede(conn, plan.target, cs_id)
    planning.close_plan(conn, cs_id, plan.hash, "planned", plan.counts, planning.target_counts(conn, plan.target))
    return cs_id
