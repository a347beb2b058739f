"""What the target was last given, kept beside the files in one SQLite file.

The engine sends only changes, but a *full* PIFU file must hold the whole
picture, and a *delta* file must say add (1), update (2) or delete (3) relative to
what the receiver already has. Both follow from one table of published objects
(keyed by object family and key) plus the changes of the change set being
written (``pending``):

- ``export`` records each change in ``pending`` (its id is the CONFIRM evidence);
- ``finish_export`` folds ``pending`` into one net change per object (``net``),
  renders the file from ``net`` (delta) or from the objects after applying it
  (full), and commits the new state and the published change ids only after the
  file is in place.

SQLite keeps the state on disk and streams it back sorted, so a county's
1.5 million memberships never sit in memory; a transaction makes the update
atomic. ``meta.version`` lets a later edusync upgrade the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from edusync.errors import FatalError

VERSION = "1"
FAMILY = {"person": 0, "membership": 2}  # every other object type is a PIFU group

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    family INTEGER NOT NULL, key TEXT NOT NULL, section INTEGER NOT NULL, grp TEXT NOT NULL,
    label TEXT, active INTEGER NOT NULL, canon TEXT NOT NULL, PRIMARY KEY (family, key));
CREATE INDEX IF NOT EXISTS objects_order ON objects (section, grp, key);
CREATE TABLE IF NOT EXISTS pending (
    change_id INTEGER PRIMARY KEY, family INTEGER NOT NULL, key TEXT NOT NULL, section INTEGER,
    grp TEXT, label TEXT, present INTEGER NOT NULL, active INTEGER NOT NULL, canon TEXT);
CREATE INDEX IF NOT EXISTS pending_key ON pending (family, key, change_id);
CREATE TABLE IF NOT EXISTS published (change_id INTEGER PRIMARY KEY);
"""

NET = """
CREATE TEMP TABLE net AS
SELECT p.family, p.key,
       CASE WHEN COALESCE(p.canon, o.canon) IS NULL THEN 0 ELSE p.present END AS present,
       p.active, COALESCE(p.canon, o.canon) AS canon, COALESCE(p.section, o.section) AS section,
       COALESCE(p.grp, o.grp) AS grp, COALESCE(p.label, o.label) AS label,
       o.key IS NOT NULL AS existed, o.active AS old_active, o.canon AS old_canon,
       o.section AS old_section, o.grp AS old_grp
FROM pending p
JOIN (SELECT max(change_id) AS last FROM pending GROUP BY family, key) l ON p.change_id = l.last
LEFT JOIN objects o ON o.family = p.family AND o.key = p.key
"""

NET_ORDER = """
SELECT family, key, present, active, canon, section, grp, existed, old_active, old_canon, old_section, old_grp
FROM net ORDER BY CASE WHEN present THEN section ELSE old_section END,
                  CASE WHEN present THEN grp ELSE old_grp END, key
"""

#: ``active`` of a pending row that leaves the picture without telling the receiver (a released member).
FORGOTTEN = -1

#: One pending row: change id, family, key, section, grp, label, present, active, canon JSON.
PendingRow = tuple[int, int, str, int | None, str | None, str | None, int, int, str | None]


class State:
    """The published picture of one target, in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            row = self.db.execute("SELECT v FROM meta WHERE k = 'version'").fetchone()
        except sqlite3.Error as exc:
            raise FatalError(f"{path}: cannot open the PIFU state file: {exc}") from exc
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))
        elif row[0] != VERSION:
            raise FatalError(f"{path}: PIFU state version {row[0]}, this edusync reads version {VERSION}")

    def close(self) -> None:
        self.db.close()

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM objects LIMIT 1").fetchone() is None

    def record(self, rows: Sequence[PendingRow]) -> None:
        """Remember changes of the change set being written; a change sent twice is stored once."""
        self.db.execute("BEGIN")
        try:
            self.db.executemany("INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def recorded(self, ids: Sequence[int]) -> set[int]:
        """Which of ``ids`` are pending or were in the last published file."""
        found: set[int] = set()
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for table in ("pending", "published"):
                sql = f"SELECT change_id FROM {table} WHERE change_id IN ({marks})"  # noqa: S608 - fixed names
                found.update(r[0] for r in self.db.execute(sql, chunk))
        return found

    def pending_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM pending").fetchone()[0])

    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- publishing, all inside one transaction -----------------------------------------------

    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DROP TABLE IF EXISTS temp.net")
        self.db.execute(NET)

    def net(self) -> Iterator[tuple[Any, ...]]:
        """Each object the change set touched: after (present, active, canon…) and before (existed…)."""
        return self.db.execute(NET_ORDER)

    def apply(self) -> None:
        self.db.execute("DELETE FROM objects WHERE (family, key) IN (SELECT family, key FROM net WHERE present = 0)")
        self.db.execute(
            "INSERT OR REPLACE INTO objects SELECT family, key, section, grp, label, active, canon "
            "FROM net WHERE present = 1"
        )

    def objects(self) -> Iterator[tuple[Any, ...]]:
        """The whole picture in file order: section, grp, key."""
        return self.db.execute(
            "SELECT family, key, section, grp, active, canon FROM objects ORDER BY section, grp, key"
        )

    def labels(self) -> dict[str, str]:
        """Group key -> name, for the labels of relationships (a county has some 20 000 groups)."""
        return dict(self.db.execute("SELECT key, label FROM objects WHERE family = 1"))

    def commit(self, meta: dict[str, str]) -> None:
        self.db.execute("DELETE FROM published")
        self.db.execute("INSERT INTO published SELECT change_id FROM pending")
        self.db.execute("DELETE FROM pending")
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
