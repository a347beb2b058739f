"""A run's planned changes, for review before a decision: filtered, counted and paged in SQL, or as CSV.

Each change is shown as :mod:`edusync.services.browse` shows it (what the target held before,
what it gets after, every fødselsnummer masked), across every change set of the run or one
target's. The CSV is the console's download, with the target and the attributes that change.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, func, select

from edusync.errors import NotFound
from edusync.model.fnr import mask_ids
from edusync.services import browse
from edusync.services.paging import BadQuery, check_limit, check_offset
from edusync.storage import Database, tables

#: The columns of a change set's CSV (the console's download).
CSV_COLUMNS = ("id", "object_type", "key", "op", "status", "mv_id", "before", "after", "error")
#: The columns of a run's CSV (``edusync runs show --changes --csv``): which target, and what changes.
RUN_CSV_COLUMNS = ("change_set", "target", *CSV_COLUMNS[:6], "changed", "before", "after", "error")


def _where(
    conn: Connection, run_id: int, target: str | None, object_type: str | None, op: str | None
) -> list[ColumnElement[bool]]:
    if op and op not in browse.OPS:
        raise BadQuery(f"op {op!r} is none of {', '.join(browse.OPS)}")
    ch, cst = tables.changes, tables.change_sets
    sets = select(cst.c.id).where(cst.c.run_id == run_id)
    if target:
        sets = sets.where(cst.c.target == target)
    ids = list(conn.execute(sets).scalars())
    if not ids:
        held = f" for target {target!r}" if target else ""
        raise NotFound(f"run {run_id} has no change set{held} (`edusync runs show {run_id}` lists them)")
    conds: list[ColumnElement[bool]] = [ch.c.change_set_id.in_(ids)]
    if object_type:
        conds.append(ch.c.object_type == object_type)
    if op:
        conds.append(ch.c.op == op)
    return conds


def run_changes(
    db: Database,
    run_id: int,
    *,
    target: str | None = None,
    object_type: str | None = None,
    op: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """One page of the run's changes in the order they were planned (and are sent), and how many the filters match."""
    check_limit(limit)
    check_offset(offset)
    ch, cst = tables.changes, tables.change_sets
    with db.begin() as conn:
        conds = _where(conn, run_id, target, object_type, op)
        total = int(conn.execute(select(func.count()).select_from(ch).where(*conds)).scalar_one())
        q = (
            select(ch, cst.c.target)
            .join(cst, cst.c.id == ch.c.change_set_id)
            .where(*conds)
            .order_by(ch.c.id)
            .offset(offset)
            .limit(limit)
        )
        rows = conn.execute(q).all()
        items = _shown(conn, rows)
    return {"items": items, "total": total, "offset": offset, "limit": limit}


def iter_run_changes(
    db: Database,
    run_id: int,
    *,
    target: str | None = None,
    object_type: str | None = None,
    op: str | None = None,
    chunk: int = 500,
) -> Iterator[dict[str, Any]]:
    """Every change the filters match, read a chunk at a time by id (a CSV of a county's change set)."""
    ch, cst = tables.changes, tables.change_sets
    after = 0
    while True:
        with db.begin() as conn:
            conds = _where(conn, run_id, target, object_type, op)
            q = (
                select(ch, cst.c.target)
                .join(cst, cst.c.id == ch.c.change_set_id)
                .where(*conds, ch.c.id > after)
                .order_by(ch.c.id)
                .limit(chunk)
            )
            rows = conn.execute(q).all()
            items = _shown(conn, rows)
        yield from items
        if len(rows) < chunk:
            return
        after = rows[-1].id


def _shown(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The changes as :func:`browse.list_changes` shows them, with their change set and target."""
    out = []
    for target in dict.fromkeys(r.target for r in rows):
        of_target = [r for r in rows if r.target == target]
        held = browse._held(conn, target, of_target)
        for r in of_target:
            change = browse._change(r, held.get((r.object_type, r.key)))
            change |= {"change_set": r.change_set_id, "target": target, "changed": changed(change)}
            out.append(change)
    return sorted(out, key=lambda c: int(c["id"]))


def changed(change: dict[str, Any]) -> dict[str, list[Any]]:
    """Each attribute that differs between before and after, as ``[before, after]`` (masked already)."""
    before, after = change.get("before") or {}, change.get("after") or {}
    if change["op"] == "delete":
        after = {}
    names = sorted(set(before) | set(after))
    return {n: [before.get(n), after.get(n)] for n in names if before.get(n) != after.get(n)}


def changed_text(diff: dict[str, list[Any]], width: int = 0) -> str:
    """``name: before → after; …``, for a table cell or a CSV column (cut to ``width`` when given)."""

    def show(v: Any) -> str:
        return "∅" if v is None else (v if isinstance(v, str) else orjson.dumps(v).decode())

    text = "; ".join(f"{n}: {show(b)} → {show(a)}" for n, (b, a) in diff.items())
    return text if not width or len(text) <= width else text[: width - 1] + "…"


def csv_rows(changes: Iterator[dict[str, Any]], columns: tuple[str, ...] = CSV_COLUMNS) -> Iterator[str]:
    """The changes as CSV text, a block at a time; objects as JSON, every national id masked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for change in changes:
        row = [change.get(c) for c in columns]
        if "changed" in columns:
            row[columns.index("changed")] = changed_text(change.get("changed") or {})
        writer.writerow([orjson.dumps(v).decode() if isinstance(v, dict) else ("" if v is None else v) for v in row])
        if buffer.tell() > 64_000:
            yield mask_ids(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    yield mask_ids(buffer.getvalue())
