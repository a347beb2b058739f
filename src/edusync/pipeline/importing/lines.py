"""A full import that parses only the lines that changed since the last one.

A county's files hold 1.6 million lines, and a night changes a few thousand of them. The import
keeps the lines of each full read (``source_lines``, sealed, for they hold national ids)
in the same transaction as what it staged from them, so the copy always says what
is staged. The next full import compares the file's lines with that copy as two sets: a line in
both is a record that has not changed (nothing to parse, nothing to look up); a new line is
parsed and staged like any record; a line that went names, parsed from the copy, a record that
changed or is gone. So the cost is one read and split of each file, and the rest follows the
changes.

Whatever this cannot judge goes back to the full read, which gives the same result and names
the line at fault: no copy yet, another header or other settings, a copy no key opens, a line
twice, a changed line that does not parse, an anchor of a new line that an unchanged line holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Connection

from edusync import vault
from edusync.connectors.base import SourceText
from edusync.errors import KeyUnavailable, SourceError
from edusync.model.records import SourceRecord
from edusync.storage import Database, tables

log = logging.getLogger(__name__)

LOAD = "SELECT settings, body FROM source_lines WHERE connector = ? AND object_type = ?"


@dataclass
class Changed:
    """What the lines say changed: the records of the new lines, and whose lines went."""

    records: list[SourceRecord]
    went: set[str]


def _name(connector: str, object_type: str) -> str:
    return f"{connector}/{object_type} lines"


def load(db: Database, conn: Connection, connector: str, object_type: str, text: SourceText) -> set[bytes] | None:
    """The lines of the last full read, if they read as ``text`` does (the same settings and header)."""
    rows = db.fetch(conn, LOAD, (connector, object_type))
    if not rows or rows[0][0] != text.settings:
        return None
    try:
        raw = vault.current().open_bytes(_name(connector, object_type), bytes(rows[0][1]))
    except KeyUnavailable as exc:
        log.info("%s/%s is read in full: %s", connector, object_type, exc)
        return None
    header, _, body = raw.partition(b"\n")
    if header != text.header:
        return None
    return set(body.split(b"\n")) if body else set()


def changed(text: SourceText, old: set[bytes]) -> Changed | None:
    """The records of the lines not in ``old``, and the anchors of the lines of ``old`` no longer there."""
    now = set(text.lines)
    if len(now) != len(text.lines):
        return None  # a line twice: the full read says where
    try:
        records = list(text.parse(text.header, sorted(now - old)))
        went = {r.anchor for r in text.parse(text.header, sorted(old - now))}
    except SourceError:
        return None
    return Changed(records, went)


def save(db: Database, conn: Connection, connector: str, object_type: str, text: SourceText, run_id: int) -> None:
    """Keep the lines just staged for the next import; without a key to seal them, keep none (read in full)."""
    # Not compressed: at county size zlib alone would take longer than the rest of the file's import.
    body = b"\n".join([text.header, *text.lines])
    try:
        sealed = vault.current().seal_bytes(_name(connector, object_type), body)
    except KeyUnavailable:
        db.many(conn, "DELETE FROM source_lines WHERE connector = ? AND object_type = ?", [(connector, object_type)])
        return
    row = {
        "connector": connector,
        "object_type": object_type,
        "settings": text.settings,
        "lines": len(text.lines),
        "body": sealed,
        "run_id": run_id,
    }
    db.upsert(conn, tables.source_lines, [row], ["connector", "object_type"])
