"""Which sync keys a change set made appear at a target, and which it made vanish.

A target's key for an object never changes (the metaverse id, or that id and the school
year: see :mod:`edusync.engine.rollover`); when a source gives an object a new key, the
target sees a new object and the old one going. The run report counts them and the status
mail names them, so a renumbering at the source is visible the morning after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edusync.engine.diff import KEY_KINDS, key_counts
from edusync.storage import Database

SAMPLE = "SELECT key FROM changes WHERE change_set_id = ? AND object_type = ? AND op IN ({marks}) ORDER BY id LIMIT ?"


@dataclass
class KeyList:
    """Up to ``limit`` keys of one kind and object type, and how many there were in all."""

    total: int
    keys: list[str] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.keys)


def key_lists(
    db: Database, change_set_id: int, counts: dict[str, dict[str, int]], limit: int = 20
) -> dict[str, dict[str, KeyList]]:
    """The first ``limit`` keys of each kind and object type, read in change order (cheap at any size)."""
    out: dict[str, dict[str, KeyList]] = {}
    with db.begin() as conn:
        for object_type, row in sorted(key_counts(counts).items()):
            for kind, total in row.items():
                if not total:
                    continue
                ops = KEY_KINDS[kind]
                sql = SAMPLE.format(marks=", ".join("?" * len(ops)))
                found = db.fetch(conn, sql, (change_set_id, object_type, *ops, limit))
                out.setdefault(object_type, {})[kind] = KeyList(total, [str(r[0]) for r in found])
    return out
