"""What the target was last given, kept beside the files in one SQLite file.

The engine sends only changes, but a *full* PIFU file must hold the whole
picture, and a *delta* file must say add (1), update (2) or delete (3) relative to
what the receiver already has. Both follow from one table of published objects
plus the changes of the change set being written:

- ``export`` records each change: its id in ``recorded_ids`` (the CONFIRM
  evidence, as runs of consecutive ids: a batch is usually one row) and, in
  ``pending``, the newest change of each object (family, key);
- ``finish_export`` folds ``pending`` into the objects, renders the file from
  ``net`` (delta: each touched object before and after) or from the objects
  (full), and commits the new state and the published change ids only after the
  file is in place.

SQLite keeps the state on disk and streams it back, so a county's 1.5 million
memberships never sit in memory; a transaction makes the update atomic. The
objects are stored in file order (section, group, key), so a full file is one
sequential read; the first full load sorts once and builds the key index
afterwards. ``meta.version`` says which layout a file has; an older one is
upgraded when it is opened (:mod:`.state_upgrade`).
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from edusync.connectors.pifu.state_upgrade import upgrade
from edusync.errors import FatalError

VERSION = "2"
FAMILY = {"person": 0, "membership": 2}  # every other object type is a PIFU group

KEY_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS objects_key ON objects (family, key)"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS objects (
    section INTEGER NOT NULL, grp TEXT NOT NULL, key TEXT NOT NULL, family INTEGER NOT NULL,
    label TEXT, active INTEGER NOT NULL, canon TEXT NOT NULL,
    PRIMARY KEY (section, grp, key)) WITHOUT ROWID;
{KEY_INDEX};
CREATE TABLE IF NOT EXISTS pending (
    family INTEGER NOT NULL, key TEXT NOT NULL, change_id INTEGER NOT NULL, section INTEGER,
    grp TEXT, label TEXT, present INTEGER NOT NULL, active INTEGER NOT NULL, canon TEXT,
    PRIMARY KEY (family, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recorded_ids (lo INTEGER NOT NULL, hi INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS published_ids (lo INTEGER NOT NULL, hi INTEGER NOT NULL);
"""

# The newest change of an object wins, whatever order its changes are recorded in.
RECORD = """
INSERT INTO pending (change_id, family, key, section, grp, label, present, active, canon)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (family, key) DO UPDATE SET
    change_id = excluded.change_id, section = excluded.section, grp = excluded.grp, label = excluded.label,
    present = excluded.present, active = excluded.active, canon = excluded.canon
WHERE excluded.change_id > pending.change_id
"""

NET = """
CREATE TEMP TABLE net AS
SELECT p.family, p.key,
       CASE WHEN COALESCE(p.canon, o.canon) IS NULL THEN 0 ELSE p.present END AS present,
       p.active, COALESCE(p.canon, o.canon) AS canon, COALESCE(p.section, o.section) AS section,
       COALESCE(p.grp, o.grp) AS grp, COALESCE(p.label, o.label) AS label,
       o.key IS NOT NULL AS existed, o.active AS old_active, o.canon AS old_canon,
       o.section AS old_section, o.grp AS old_grp
FROM pending p LEFT JOIN objects o ON o.family = p.family AND o.key = p.key
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


_BY_KEY = itemgetter(1, 2)


def id_runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """The ids as runs of consecutive numbers, ``(first, last)``; the exporter's batches are usually one."""
    ordered = sorted(set(ids))
    if not ordered or ordered[-1] - ordered[0] + 1 == len(ordered):
        return [(ordered[0], ordered[-1])] if ordered else []
    runs = [[ordered[0], ordered[0]]]
    for i in ordered[1:]:
        if i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return [(lo, hi) for lo, hi in runs]


class State:
    """The published picture of one target, in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._source = "pending"
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            # A new file only (an existing one keeps its size): large pages read and write a county
            # in a fifth less time than SQLite's default 4 KiB, and a delta's pages stay small.
            self.db.execute("PRAGMA page_size=16384")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA journal_size_limit=67108864")  # once checkpointed, a county-l WAL shrinks back
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            row = self.db.execute("SELECT v FROM meta WHERE k = 'version'").fetchone()
            if row is None:
                self.db.executescript("BEGIN;" + SCHEMA)
                self.db.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))
                self.db.execute("COMMIT")
            elif row[0] != VERSION:
                upgrade(self.db, row[0], VERSION, SCHEMA)
        except sqlite3.Error as exc:
            raise FatalError(f"{path}: cannot open the PIFU state file: {exc}") from exc
        except ValueError as exc:
            raise FatalError(f"{path}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM objects LIMIT 1").fetchone() is None

    def record(self, rows: Sequence[PendingRow]) -> None:
        """Remember changes of the change set being written; a change sent twice is stored once."""
        ordered = sorted(rows, key=_BY_KEY)  # key order keeps the writes together
        self.db.execute("BEGIN")
        try:
            self.db.executemany("INSERT INTO recorded_ids VALUES (?, ?)", id_runs(r[0] for r in rows))
            self.db.executemany(RECORD, ordered)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def recorded(self, ids: Sequence[int]) -> set[int]:
        """Which of ``ids`` are pending or were in the last published file."""
        runs = self.db.execute("SELECT lo, hi FROM recorded_ids UNION SELECT lo, hi FROM published_ids ORDER BY lo")
        los: list[int] = []
        his: list[int] = []
        for lo, hi in runs:  # merged, so that the run an id may be in is the last one starting at or before it
            if his and lo <= his[-1] + 1:
                his[-1] = max(his[-1], hi)
            else:
                los.append(lo)
                his.append(hi)
        return {i for i in ids if (at := bisect.bisect_right(los, i) - 1) >= 0 and i <= his[at]}

    def has_pending(self) -> bool:
        return self.db.execute("SELECT 1 FROM recorded_ids LIMIT 1").fetchone() is not None

    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- publishing, all inside one transaction -----------------------------------------------

    def begin(self, *, before: bool = True) -> None:
        """Start publishing; ``before`` keeps what each touched object was, for :meth:`net`.

        Into an empty picture without ``before`` (a first full file) the changes go
        straight from ``pending`` to the objects: nothing was published to compare with.
        """
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DROP TABLE IF EXISTS temp.net")
        if before or not self.is_empty():
            self.db.execute(NET)
            self._source = "temp.net"
        else:
            self._source = "pending"

    def net(self) -> Iterator[tuple[Any, ...]]:
        """Each object the change set touched: after (present, active, canon…) and before (existed…)."""
        return self.db.execute(NET_ORDER)

    def apply(self) -> None:
        # A pending row without content (kept-but-inactive) has none in a picture that was empty.
        rows = f"FROM {self._source} WHERE present = 1 AND canon IS NOT NULL"
        columns = "section, grp, key, family, label, active, canon"
        if self.is_empty():
            # A first load: in file order into the table, and the key index built once, by sorting.
            self.db.execute("DROP INDEX objects_key")
            self.db.execute(f"INSERT INTO objects SELECT {columns} {rows} ORDER BY section, grp, key")
            self.db.execute(KEY_INDEX)
            return
        # One family at a time, so each gone object is found through the key index (a delta stays small).
        gone = "DELETE FROM objects WHERE family = ? AND key IN (SELECT key FROM net WHERE family = ? AND present = 0)"
        self.db.executemany(gone, [(family, family) for family in (0, 1, 2)])
        # A row whose section or group changed conflicts on the key index, so REPLACE removes its old place.
        self.db.execute(f"INSERT OR REPLACE INTO objects SELECT {columns} {rows} ORDER BY section, grp, key")

    def objects(self) -> Iterator[tuple[Any, ...]]:
        """``(key, section, active, canon)`` of the whole picture in file order: the table's own order."""
        return self.db.execute("SELECT key, section, active, canon FROM objects ORDER BY section, grp, key")

    def labels(self) -> dict[str, str]:
        """Group key -> name, for the labels of relationships (a county has some 20 000 groups)."""
        return dict(self.db.execute("SELECT key, label FROM objects WHERE section IN (1, 2)"))

    def commit(self, meta: dict[str, str]) -> None:
        self.db.execute("DELETE FROM published_ids")
        self.db.execute("INSERT INTO published_ids SELECT lo, hi FROM recorded_ids")
        self.db.execute("DELETE FROM recorded_ids")
        self.db.execute("DELETE FROM pending")
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
        self.db.execute("COMMIT")

    def reseal(self, reseal: Callable[[str], str | None]) -> int:
        """Seal every stored record anew (``reseal`` gives the new text, or None: as it is); how many changed."""
        changed = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for table in ("objects", "pending"):
                rows = self.db.execute(f"SELECT family, key, canon FROM {table} WHERE canon IS NOT NULL")  # noqa: S608
                updates = [(new, f, k) for f, k, text in rows if (new := reseal(text)) is not None]
                self.db.executemany(f"UPDATE {table} SET canon = ? WHERE family = ? AND key = ?", updates)  # noqa: S608
                changed += len(updates)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return changed

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
