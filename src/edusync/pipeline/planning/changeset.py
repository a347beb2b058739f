"""Writing one change set: its rows, counts, running hash, and what the new school year made.

Each planner of a target writes the changes of its object type through a :class:`ChangeWriter`;
they share one :class:`ChangeSetDraft`, whose running hash follows the order the changes are
stored in, so an approval can recompute it from the stored changes (see ``gate/approvals.py``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from edusync.engine.diff import Planned, Sent
from edusync.engine.rollover import Keys
from edusync.model.records import Op
from edusync.pipeline.context import RunContext
from edusync.pipeline.planning import store


def tally() -> defaultdict[str, defaultdict[str, int]]:
    return defaultdict(lambda: defaultdict(int))


def change_line(object_type: str, key: str, op: str, digest: str) -> bytes:
    """What one change adds to its change set's hash."""
    return f"{object_type}\x1f{key}\x1f{op}\x1f{digest}\n".encode()


@dataclass
class ChangeSetDraft:
    """What the planners of one change set share while they write it."""

    cs_id: int
    keys: Keys
    counts: defaultdict[str, defaultdict[str, int]] = field(default_factory=tally)
    rolled: defaultdict[str, defaultdict[str, int]] = field(default_factory=tally)
    notes: defaultdict[str, defaultdict[str, int]] = field(default_factory=tally)
    running: Any = field(default_factory=lambda: hashlib.blake2b(digest_size=16))
    #: key -> metaverse id of what this change set archives, per object type.
    archiving: defaultdict[str, dict[str, str | None]] = field(default_factory=lambda: defaultdict(dict))


def live(sent: Sent | None) -> bool:
    return sent is not None and sent.state != "deleted"


class ChangeWriter:
    """Stores changes of one object type into the change set, counting and hashing them."""

    def __init__(
        self, ctx: RunContext, conn: Connection, target: str, object_type: str, shared: ChangeSetDraft
    ) -> None:
        self.ctx, self.conn, self.target, self.object_type, self.shared = ctx, conn, target, object_type, shared
        self.known = store.holds_any(ctx.db, conn, target, object_type)
        #: Keys a revert put back and a person holds: no change is planned for them (``edusync holds``).
        self.held = store.held_keys(ctx.db, conn, target, object_type)

    def _sent(self, keys: list[str]) -> dict[str, Sent]:
        """What the target was last sent for these keys (nothing to ask when it has none of this type)."""
        if not self.known or not keys:
            return {}
        return store.sent(self.ctx.db, self.conn, self.target, self.object_type, keys)

    def _change(
        self, key: str, mv_id: str | None, planned: Planned, rolled: bool = False, *, prior: Sent | None
    ) -> tuple[Any, ...] | None:
        """The row of one change; ``prior`` is what the target was last sent for ``key`` (None: nothing).

        The prior value is kept with the change so that ``edusync revert`` can put it back; a held key
        gets no change at all (None).
        """
        if key in self.held:
            self.note("held")
            return None
        op, ot, shared = planned.op.value, self.object_type, self.shared
        shared.counts[ot][op] += 1
        if rolled:
            shared.rolled[ot][op] += 1
        if planned.op == Op.ARCHIVE:
            shared.archiving[ot][key] = mv_id
        shared.running.update(change_line(ot, key, op, planned.hash))
        before = ("absent", None, None) if prior is None else (prior.state, prior.hash, prior.text)
        return (shared.cs_id, ot, key, op, planned.text, planned.hash, mv_id, planned.soft, "pending", 0, *before)

    def _store(self, rows: list[tuple[Any, ...] | None]) -> None:
        store.add_changes(self.ctx.db, self.conn, [r for r in rows if r is not None])

    def note(self, what: str | None, n: int = 1) -> None:
        if what:
            self.shared.notes[self.object_type][what] += n
