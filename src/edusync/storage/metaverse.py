"""Reading and writing metaverse rows in batches (the sync and lifecycle steps share this)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection

from edusync import vault
from edusync.model.hashing import bytes_hash, loads
from edusync.model.records import MvObject, State
from edusync.storage import Database, tables

CHUNK = 5000
#: The columns :func:`row_to_mv` reads, in its order, for SQL written by hand.
LOAD_COLUMNS = "id, object_type, attrs, lineage, sources, state, state_since, changed_run, hash"
MV_COLUMNS = tuple(tables.mv_objects.c[name] for name in LOAD_COLUMNS.split(", "))
INSERT_COLUMNS = (
    "id",
    "object_type",
    "state",
    "state_since",
    "attrs",
    "lineage",
    "sources",
    "hash",
    "created_run",
    "changed_run",
    "person_id",
    "group_id",
)
UPDATE = (
    "UPDATE mv_objects SET state = ?, state_since = ?, attrs = ?, lineage = ?, sources = ?, hash = ?, "
    "changed_run = ?, person_id = ?, group_id = ? WHERE id = ?"
)
_SORTED = orjson.OPT_SORT_KEYS


def row_to_mv(row: Sequence[Any]) -> MvObject:
    return MvObject(
        id=row[0],
        object_type=row[1],
        attrs=vault.current().unseal(loads(row[2])) if vault.PREFIX in row[2] else loads(row[2]),
        lineage=loads(row[3]),
        sources=loads(row[4]),
        state=State(row[5]),
        state_since=row[6],
        changed_run=row[7],
        hash=row[8],
    )


LOAD = f"SELECT {LOAD_COLUMNS} FROM mv_objects WHERE id IN ({{marks}})"


def load_mv(db: Database, conn: Connection, ids: Iterable[str]) -> dict[str, MvObject]:
    """The metaverse objects with these ids (missing ids are simply absent)."""
    return {row[0]: row_to_mv(row) for row in db.fetch_in(conn, LOAD, (), list(dict.fromkeys(ids)))}


class Encoded:
    """An object serialised once: its texts and the hash that says whether it changed."""

    __slots__ = ("attrs", "hash", "lineage", "mv", "sources")

    def __init__(self, mv: MvObject) -> None:
        self.mv = mv
        attrs = orjson.dumps(mv.attrs, option=_SORTED)
        sources = orjson.dumps(mv.sources)
        self.hash = bytes_hash(attrs, sources, mv.state.value.encode())
        self.attrs = attrs.decode()
        self.sources = sources.decode()
        self.lineage = orjson.dumps(mv.lineage, option=_SORTED).decode()

    def refs(self) -> tuple[str | None, str | None]:
        if self.mv.object_type != "membership":
            return None, None
        person, group = self.mv.attrs.get("person"), self.mv.attrs.get("group")
        return (person if isinstance(person, str) else None, group if isinstance(group, str) else None)


def insert_rows(db: Database, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """New metaverse rows, already encoded, in :data:`INSERT_COLUMNS` order (the first load's path)."""
    seal = vault.current().seal_text
    db.insert(conn, tables.mv_objects, INSERT_COLUMNS, [(*r[:4], seal(r[4]), *r[5:]) for r in rows])


def insert_mv(db: Database, conn: Connection, objects: Sequence[Encoded], run_id: int) -> None:
    seal = vault.current().seal_text
    rows = [
        (
            e.mv.id,
            e.mv.object_type,
            e.mv.state.value,
            e.mv.state_since,
            seal(e.attrs),
            e.lineage,
            e.sources,
            e.hash,
            run_id,
            e.mv.changed_run,
            *e.refs(),
        )
        for e in objects
    ]
    db.insert(conn, tables.mv_objects, INSERT_COLUMNS, rows)


def update_mv(db: Database, conn: Connection, objects: Sequence[Encoded]) -> None:
    seal = vault.current().seal_text
    rows = [
        (
            e.mv.state.value,
            e.mv.state_since,
            seal(e.attrs),
            e.lineage,
            e.sources,
            e.hash,
            e.mv.changed_run,
            *e.refs(),
            e.mv.id,
        )
        for e in objects
    ]
    db.many(conn, UPDATE, rows)


def save_changed(
    db: Database, conn: Connection, objects: Iterable[MvObject], run_id: int, fresh: set[str] | None = None
) -> list[MvObject]:
    """Write the objects whose content changed (stamping ``changed_run``); return them."""
    changed_new: list[Encoded] = []
    changed_old: list[Encoded] = []
    for mv in objects:
        enc = Encoded(mv)
        if enc.hash == mv.hash:
            continue
        mv.hash = enc.hash
        mv.changed_run = run_id
        (changed_new if fresh and mv.id in fresh else changed_old).append(enc)
    insert_mv(db, conn, changed_new, run_id)
    update_mv(db, conn, changed_old)
    return [e.mv for e in changed_new + changed_old]
