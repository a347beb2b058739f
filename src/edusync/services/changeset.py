"""Writing one change set: its rows, counts, running hash, and what the new school year made.

Each planner of a target writes the changes of its object type through a :class:`Writer`;
they share one :class:`Draft`, whose running hash follows the order the changes are stored
in, so an approval can recompute it from the stored changes (see approvals.py).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select, text, update

from edusync.engine.diff import Planned, Sent
from edusync.model.records import Op
from edusync.services.context import RunContext
from edusync.services.rollover import Keys
from edusync.storage import tables as t

# Literal, so that SQLite matches it to the partial index of failed changes.
FAILED = text("status = 'failed'")
KNOWN = "SELECT 1 FROM target_objects WHERE target = ? AND object_type = ? LIMIT 1"
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

Counts = dict[str, dict[str, int]]


def tally() -> defaultdict[str, defaultdict[str, int]]:
    return defaultdict(lambda: defaultdict(int))


@dataclass
class Draft:
    """What the planners of one change set share."""

    cs_id: int
    keys: Keys
    counts: defaultdict[str, defaultdict[str, int]] = field(default_factory=tally)
    rolled: defaultdict[str, defaultdict[str, int]] = field(default_factory=tally)
    notes: defaultdict[str, defaultdict[str, int]] = field(default_factory=tally)
    running: Any = field(default_factory=lambda: hashlib.blake2b(digest_size=16))
    #: key -> metaverse id of what this change set archives, per object type.
    archiving: defaultdict[str, dict[str, str | None]] = field(default_factory=lambda: defaultdict(dict))


def target_counts(conn: Connection, target: str) -> dict[str, int]:
    to = t.target_objects
    q = (
        select(to.c.object_type, func.count())
        .where(to.c.target == target, to.c.state != "deleted")
        .group_by(to.c.object_type)
    )
    return {k: int(n) for k, n in conn.execute(q)}


def new_change_set(ctx: RunContext, conn: Connection, target: str) -> int:
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


def supersede(conn: Connection, target: str, cs_id: int) -> None:
    """Earlier unsent change sets of this target are replaced by the new one."""
    cst = t.change_sets
    conn.execute(
        update(cst)
        .where(cst.c.target == target, cst.c.id != cs_id, cst.c.status.in_(["blocked", "preview", "planned"]))
        .values(status="superseded")
    )
    db_failed = select(cst.c.id).where(cst.c.target == target, cst.c.id != cs_id)
    conn.execute(update(t.changes).where(FAILED, t.changes.c.change_set_id.in_(db_failed)).values(status="superseded"))


def live(sent: Sent | None) -> bool:
    return sent is not None and sent.state != "deleted"


class Writer:
    """Stores changes of one object type into the change set, counting and hashing them."""

    def __init__(self, ctx: RunContext, conn: Connection, target: str, object_type: str, shared: Draft) -> None:
        self.ctx, self.conn, self.target, self.object_type, self.shared = ctx, conn, target, object_type, shared
        self.known = bool(ctx.db.fetch(conn, KNOWN, (target, object_type)))

    def _sent(self, keys: list[str]) -> dict[str, Sent]:
        """What the target was last sent for these keys (nothing to ask when it has none of this type)."""
        if not self.known or not keys:
            return {}
        rows = self.ctx.db.fetch_in(self.conn, SENT, (self.target, self.object_type), keys)
        return {k: Sent(h, s, a) for k, h, s, a in rows}

    def _change(self, key: str, mv_id: str | None, planned: Planned, rolled: bool = False) -> tuple[Any, ...]:
        op, ot, shared = planned.op.value, self.object_type, self.shared
        shared.counts[ot][op] += 1
        if rolled:
            shared.rolled[ot][op] += 1
        if planned.op == Op.ARCHIVE:
            shared.archiving[ot][key] = mv_id
        shared.running.update(f"{ot}\x1f{key}\x1f{op}\x1f{planned.hash}\n".encode())
        return (shared.cs_id, ot, key, op, planned.text, planned.hash, mv_id, planned.soft, "pending", 0)

    def _store(self, rows: list[tuple[Any, ...]]) -> None:
        self.ctx.db.insert(self.conn, t.changes, CHANGE_COLUMNS, rows)

    def note(self, what: str | None, n: int = 1) -> None:
        if what:
            self.shared.notes[self.object_type][what] += n
