"""Reading and writing metaverse rows in batches (the sync and lifecycle steps share this)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from edusync.model.hashing import content_hash, dumps, loads
from edusync.model.records import MvObject, State
from edusync.storage import tables as t

CHUNK = 5000
MV_COLUMNS = (
    t.mv_objects.c.id,
    t.mv_objects.c.object_type,
    t.mv_objects.c.attrs,
    t.mv_objects.c.lineage,
    t.mv_objects.c.sources,
    t.mv_objects.c.state,
    t.mv_objects.c.state_since,
    t.mv_objects.c.changed_run,
    t.mv_objects.c.hash,
)


def row_to_mv(row: Sequence[Any]) -> MvObject:
    return MvObject(
        id=row[0],
        object_type=row[1],
        attrs=loads(row[2]),
        lineage=loads(row[3]),
        sources=loads(row[4]),
        state=State(row[5]),
        state_since=row[6],
        changed_run=row[7],
        hash=row[8],
    )


def load_mv(conn: Connection, ids: Iterable[str]) -> dict[str, MvObject]:
    """The metaverse objects with these ids (missing ids are simply absent)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, MvObject] = {}
    for i in range(0, len(wanted), CHUNK):
        part = wanted[i : i + CHUNK]
        for row in conn.execute(select(*MV_COLUMNS).where(t.mv_objects.c.id.in_(part))):
            found[row[0]] = row_to_mv(row)
    return found


def mv_hash(mv: MvObject) -> str:
    return content_hash([mv.attrs, mv.state.value, mv.sources])


def _row(mv: MvObject) -> dict[str, Any]:
    person = mv.attrs.get("person") if mv.object_type == "membership" else None
    group = mv.attrs.get("group") if mv.object_type == "membership" else None
    return {
        "id": mv.id,
        "object_type": mv.object_type,
        "state": mv.state.value,
        "state_since": mv.state_since,
        "attrs": dumps(mv.attrs),
        "lineage": dumps(mv.lineage),
        "sources": dumps(mv.sources),
        "hash": mv.hash,
        "changed_run": mv.changed_run,
        "person_id": person if isinstance(person, str) else None,
        "group_id": group if isinstance(group, str) else None,
    }


def insert_mv(conn: Connection, objects: Sequence[MvObject], run_id: int) -> None:
    if objects:
        conn.execute(t.mv_objects.insert(), [{**_row(mv), "created_run": run_id} for mv in objects])


def update_mv(conn: Connection, objects: Sequence[MvObject]) -> None:
    if not objects:
        return
    mv = t.mv_objects
    cols = (
        "state",
        "state_since",
        "attrs",
        "lineage",
        "sources",
        "hash",
        "changed_run",
        "person_id",
        "group_id",
    )
    stmt = update(mv).where(mv.c.id == bindparam("b_id")).values({c: bindparam(c) for c in cols})
    conn.execute(stmt, [{**{c: r[c] for c in cols}, "b_id": r["id"]} for r in map(_row, objects)])


def replace_keys(conn: Connection, rows: list[dict[str, Any]], ids: Sequence[str], fresh: bool) -> None:
    """Store the hashed join keys of ``ids``; ``fresh`` objects have none to remove."""
    if ids and not fresh:
        for i in range(0, len(ids), CHUNK):
            conn.execute(delete(t.mv_keys).where(t.mv_keys.c.mv_id.in_(list(ids[i : i + CHUNK]))))
    if rows:
        conn.execute(t.mv_keys.insert(), rows)
