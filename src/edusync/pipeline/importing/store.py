"""The connector space as the import sees it: one connector's staged objects of one type.

Reads and writes go straight through the driver (:meth:`Database.fetch`, ``executemany`` or
``COPY``): a county's import stages millions of rows, and SQLAlchemy's statement handling
would cost more than the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from edusync import vault
from edusync.storage import Database, tables

COLUMNS = ("connector", "object_type", "anchor", "hash", "attrs", "state", "dirty", "seen_run", "changed_run")
UPDATE = (
    "UPDATE cs_objects SET hash = ?, attrs = ?, state = 'present', dirty = ?, seen_run = ?, changed_run = ? "
    "WHERE connector = ? AND object_type = ? AND anchor = ?"
)
GONE = (
    "UPDATE cs_objects SET state = 'gone', dirty = ?, changed_run = ? WHERE connector = ? AND object_type = ? "
    "AND anchor = ?"
)
EXISTING = "SELECT anchor, hash FROM cs_objects WHERE connector = ? AND object_type = ? AND state = ?"
KNOWN = "SELECT anchor, hash, state FROM cs_objects WHERE connector = ? AND object_type = ? AND anchor IN ({marks})"
PRESENT = "SELECT count(*) FROM cs_objects WHERE connector = ? AND object_type = ? AND state = 'present'"
MARKS = "SELECT value, snapshot FROM watermarks WHERE connector = ? AND object_type = ?"
ATTRS = "SELECT anchor, attrs FROM cs_objects WHERE connector = ? AND object_type = ? AND anchor IN ({marks})"
LAST_APPROVED = "SELECT max(id) FROM input_counts WHERE connector = ? AND object_type = ? AND approved"
BASELINE = "SELECT max(count) FROM input_counts WHERE connector = ? AND object_type = ? AND id >= ? AND at >= ?"
FORGET_SNAPSHOTS = "UPDATE watermarks SET snapshot = NULL WHERE connector = ?"


class StagingStore:
    """One connector's objects of one type in the connector space, inside the import's transaction."""

    def __init__(self, db: Database, conn: Connection, connector: str, object_type: str) -> None:
        self.db, self.conn, self.connector, self.object_type = db, conn, connector, object_type
        self.vault = vault.current()  # sensitive values are sealed as they are queued
        self.inserts: list[tuple[Any, ...]] = []
        self.updates: list[tuple[Any, ...]] = []

    def existing(self, state: str) -> dict[str, str]:
        """Anchor → hash of the staged objects in ``state`` (a county is millions: plain tuples)."""
        return dict(self.db.fetch(self.conn, EXISTING, (self.connector, self.object_type, state)))

    def known(self, anchors: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Anchor → (hash, state) of the staged objects among ``anchors``."""
        rows = self.db.fetch_in(self.conn, KNOWN, (self.connector, self.object_type), anchors)
        return {anchor: (digest, state) for anchor, digest, state in rows}

    def staged_attrs(self, anchors: Sequence[str]) -> dict[str, str]:
        """Anchor → attributes (JSON) as staged, for the few changed objects among ``anchors``."""
        rows = self.db.fetch_in(self.conn, ATTRS, (self.connector, self.object_type), anchors)
        return {anchor: self.vault.unseal_text(text) for anchor, text in rows}

    def baseline(self, since: str) -> int | None:
        """The largest count a full import gave since ``since``, and since the last approval (None: no history)."""
        approved = self.db.fetch(self.conn, LAST_APPROVED, (self.connector, self.object_type))[0][0]
        top = self.db.fetch(self.conn, BASELINE, (self.connector, self.object_type, approved or 0, since))[0][0]
        return None if top is None else int(top)

    def count_import(self, run_id: int, at: str, count: int, approved: bool) -> None:
        """What this full import counted, for the drift baseline; ``approved`` starts the baseline again."""
        row = {
            "connector": self.connector,
            "object_type": self.object_type,
            "run_id": run_id,
            "at": at,
            "count": count,
            "approved": approved,
        }
        self.conn.execute(tables.input_counts.insert().values(**row))

    def present_count(self) -> int:
        return int(self.db.fetch(self.conn, PRESENT, (self.connector, self.object_type))[0][0])

    def marks(self) -> tuple[str | None, str | None]:
        """The delta watermark and the snapshot of the last full import."""
        rows = self.db.fetch(self.conn, MARKS, (self.connector, self.object_type))
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    def add(self, anchor: str, digest: str, text: str, run_id: int) -> None:
        text = self.vault.seal_text(text)
        self.inserts.append((self.connector, self.object_type, anchor, digest, text, "present", True, run_id, run_id))

    def change(self, anchor: str, digest: str, text: str, run_id: int) -> None:
        text = self.vault.seal_text(text)
        self.updates.append((digest, text, True, run_id, run_id, self.connector, self.object_type, anchor))

    @property
    def queued(self) -> int:
        return len(self.inserts) + len(self.updates)

    def flush(self) -> None:
        # In anchor order, each write lands beside the one before in the anchor index: a county's
        # first import writes a third faster than in the order the source hands records over.
        self.inserts.sort(key=itemgetter(2))
        self.updates.sort(key=itemgetter(7))
        self.db.insert(self.conn, tables.cs_objects, COLUMNS, self.inserts)
        self.db.many(self.conn, UPDATE, self.updates)
        self.inserts.clear()
        self.updates.clear()

    def mark_gone(self, anchors: Sequence[str], run_id: int) -> None:
        self.db.many(self.conn, GONE, [(True, run_id, self.connector, self.object_type, a) for a in anchors])

    def save_marks(self, watermark: str | None, snapshot: str | None, run_id: int) -> None:
        """Move the watermark; a delta leaves no snapshot, so the next full import reads everything again."""
        row = {
            "connector": self.connector,
            "object_type": self.object_type,
            "value": watermark,
            "snapshot": snapshot,
            "run_id": run_id,
        }
        self.db.upsert(self.conn, tables.watermarks, [row], ["connector", "object_type"])


def refresh_statistics(db: Database, conn: Connection) -> None:
    db.analyze(conn, tables.cs_objects)


def forget_snapshots(db: Database, connector: str) -> None:
    """The next import of ``connector`` reads in full, whatever its source says of itself."""
    with db.begin() as conn:
        db.many(conn, FORGET_SNAPSHOTS, [(connector,)])
