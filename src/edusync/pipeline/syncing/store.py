"""The sync's reads and writes outside the metaverse rows (those are :mod:`edusync.storage.metaverse`).

Dirty staged objects are read a page at a time in id order; links from staged objects to
their metaverse objects are written back in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete

from edusync import vault
from edusync.storage import Database, tables

DIRTY = (
    "SELECT id, anchor, attrs, state, mv_id FROM cs_objects WHERE connector = ? AND object_type = ? "
    "AND dirty AND id > ? ORDER BY id LIMIT ?"
)
LINKS = "SELECT anchor, mv_id FROM cs_objects WHERE connector = ? AND object_type = ? AND mv_id IS NOT NULL"
STAGED = "SELECT attrs, state FROM cs_objects WHERE connector = ? AND object_type = ? AND anchor = ?"
ANY_OF_TYPE = "SELECT 1 FROM mv_objects WHERE object_type = ? LIMIT 1"
ANY_LINKED = "SELECT 1 FROM cs_objects WHERE connector = ? AND object_type = ? AND mv_id IS NOT NULL LIMIT 1"
TAKEN = "SELECT id FROM mv_objects WHERE id IN ({marks})"
KEYS = "SELECT value, mv_id FROM mv_keys WHERE object_type = ? AND name = ? AND value IN ({marks})"
LINK_COLUMNS = ("mv_id", "dirty")
KEY_COLUMNS = ("object_type", "name", "value", "mv_id")
#: Secondary indexes of the metaverse that a first load drops and builds again once.
DEFERRED = ("ix_mv_person", "ix_mv_group", "ix_mv_changed")
CHUNK = 5000

#: A dirty staged object: (cs id, anchor, attrs JSON, state, linked metaverse id).
Row = tuple[int, str, str, str, str | None]


def dirty_page(db: Database, conn: Connection, connector: str, object_type: str, after: int, size: int) -> list[Any]:
    opened = vault.current().unseal_text
    return [(i, a, opened(t), s, m) for i, a, t, s, m in db.fetch(conn, DIRTY, (connector, object_type, after, size))]


def links(db: Database, conn: Connection, connector: str, object_type: str) -> dict[str, str]:
    """Anchor → metaverse id of every linked staged object of one type."""
    return {a: m for a, m in db.fetch(conn, LINKS, (connector, object_type))}


def staged(db: Database, conn: Connection, connector: str, object_type: str, anchor: str) -> tuple[str, str] | None:
    """The attributes (JSON) and state of one staged object."""
    rows = db.fetch(conn, STAGED, (connector, object_type, anchor))
    return (vault.current().unseal_text(rows[0][0]), rows[0][1]) if rows else None


def write_links(db: Database, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """(mv_id, dirty, cs id) per staged object."""
    db.update_rows(conn, tables.cs_objects, "id", LINK_COLUMNS, rows)


def type_is_empty(db: Database, conn: Connection, metaverse_type: str) -> bool:
    return not db.fetch(conn, ANY_OF_TYPE, (metaverse_type,))


def any_linked(db: Database, conn: Connection, connector: str, object_type: str) -> bool:
    return bool(db.fetch(conn, ANY_LINKED, (connector, object_type)))


def taken(db: Database, conn: Connection, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are metaverse objects already."""
    return {r[0] for r in db.fetch_in(conn, TAKEN, (), ids)}


def join_keys(
    db: Database, conn: Connection, metaverse_type: str, name: str, values: Sequence[str]
) -> list[tuple[str, str]]:
    """(hashed value, mv_id) of the stored join keys among ``values``."""
    return [(v, m) for v, m in db.fetch_in(conn, KEYS, (metaverse_type, name), values)]


def replace_join_keys(
    db: Database, conn: Connection, old: Sequence[str], rows: Sequence[tuple[str, str, str, str]]
) -> None:
    """Drop the keys of the objects ``old`` and add ``rows`` (object_type, name, value, mv_id)."""
    for i in range(0, len(old), CHUNK):
        conn.execute(delete(tables.mv_keys).where(tables.mv_keys.c.mv_id.in_(old[i : i + CHUNK])))
    db.insert(conn, tables.mv_keys, KEY_COLUMNS, rows)


def refresh_statistics(db: Database, conn: Connection) -> None:
    for table in (tables.mv_objects, tables.mv_keys, tables.cs_objects):
        db.analyze(conn, table)
