"""The run history, a run's steps and change sets, their changes and the audit log, a page at a time.

What the console and its REST API read; every list has a limit and a cursor. Attribute values
are shown with every fødselsnummer masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from edusync import vault
from edusync.errors import NotFound
from edusync.model.fnr import mask_text, mask_values
from edusync.model.hashing import loads
from edusync.services import runs as run_service
from edusync.services.paging import BadQuery, Page, check_limit, decode_int, page_of
from edusync.storage import Database, tables

STATUSES = run_service.STATUSES
OPS = ("add", "update", "delete")


def _day(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise BadQuery(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None


def list_runs(
    db: Database,
    *,
    profile: str | None = None,
    status: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Runs, newest first; ``since``/``until`` are days (``YYYY-MM-DD``, UTC) of the run's start."""
    check_limit(limit)
    r = tables.runs
    q = select(r).order_by(r.c.id.desc()).limit(limit + 1)
    before = decode_int(cursor)
    if before is not None:
        q = q.where(r.c.id < before)
    if profile:
        q = q.where(r.c.profile == profile)
    if status:
        q = q.where(r.c.status == status)
    if (day := _day(since, "since")) is not None:
        q = q.where(r.c.started_at >= day)
    if (day := _day(until, "until")) is not None:
        q = q.where(r.c.started_at < (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat())
    with db.begin() as conn:
        rows = conn.execute(q).all()
    rows, nxt = page_of(rows, limit, lambda row: row.id)
    return Page([_summary(row) for row in rows], nxt)


def _summary(row: Any) -> dict[str, Any]:
    block = loads(row.block) if row.block else None
    return {
        "id": row.id,
        "profile": row.profile,
        "status": row.status,
        "dry_run": bool(row.dry_run),
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "clock": row.clock,
        "errors": len(loads(row.errors)),
        "warnings": len(loads(row.warnings)),
        "waits_for_decision": bool(row.status == "blocked" and block and not block.get("approved")),
    }


def get_run(db: Database, run_id: int) -> dict[str, Any]:
    """One run's report, change sets and audit trail, with messages masked."""
    run = run_service.get_run(db, run_id)
    run["errors"] = [_masked(e) for e in run["errors"]]
    run["warnings"] = [_masked(w) for w in run["warnings"]]
    return run


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def steps(db: Database, run_id: int) -> list[dict[str, Any]]:
    """Each step of the run in order: whether it was reached and how long it took (ms)."""
    run = run_service.get_run(db, run_id)
    timing = run["counts"].get("timing", {})
    out = []
    for index, name in enumerate(run["steps"]):
        ms = timing.get(name, {}).get("ms")
        out.append({"index": index, "step": name, "ms": ms, "done": ms is not None})
    return out


def change_set(conn: Connection, run_id: int, cs_id: int) -> Any:
    cst = tables.change_sets
    row = conn.execute(select(cst).where(cst.c.id == cs_id, cst.c.run_id == run_id)).first()
    if row is None:
        raise NotFound(f"run {run_id} has no change set {cs_id}")
    return row


def list_changes(
    db: Database,
    run_id: int,
    cs_id: int,
    *,
    object_type: str | None = None,
    op: str | None = None,
    status: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """A change set's changes in the order they are sent, with what the target held before."""
    check_limit(limit)
    if op and op not in OPS:
        raise BadQuery(f"op {op!r} is none of {', '.join(OPS)}")
    ch = tables.changes
    with db.begin() as conn:
        cs = change_set(conn, run_id, cs_id)
        q = select(ch).where(ch.c.change_set_id == cs_id).order_by(ch.c.id).limit(limit + 1)
        after = decode_int(cursor)
        if after is not None:
            q = q.where(ch.c.id > after)
        if object_type:
            q = q.where(ch.c.object_type == object_type)
        if op:
            q = q.where(ch.c.op == op)
        if status:
            q = q.where(ch.c.status == status)
        rows, nxt = page_of(conn.execute(q).all(), limit, lambda row: row.id)
        held = _held(conn, cs.target, rows)
    items = [_change(row, held.get((row.object_type, row.key))) for row in rows]
    return Page(items, nxt, {"target": cs.target, "change_set": cs_id})


def iter_changes(db: Database, run_id: int, cs_id: int, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Every change of a change set, read a chunk at a time (for a CSV of the whole of it)."""
    cursor = None
    while True:
        page = list_changes(db, run_id, cs_id, limit=min(chunk, 500), cursor=cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _held(conn: Connection, target: str, rows: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    to = tables.target_objects
    out: dict[tuple[str, str], dict[str, Any]] = {}
    by_type: dict[str, list[str]] = {}
    for row in rows:
        by_type.setdefault(row.object_type, []).append(row.key)
    for object_type, keys in by_type.items():
        q = select(to.c.key, to.c.attrs).where(to.c.target == target, to.c.object_type == object_type)
        for key, attrs in conn.execute(q.where(to.c.key.in_(keys))):
            out[(object_type, key)] = loads(vault.current().unseal_text(attrs))
    return out


def _change(row: Any, before: dict[str, Any] | None) -> dict[str, Any]:
    # Opened, then masked: a sealed value would show as ciphertext (and differ from itself on every seal).
    attrs = loads(vault.current().unseal_text(row.attrs))
    after = attrs if row.op != "delete" else None
    return {
        "id": row.id,
        "object_type": row.object_type,
        "key": row.key,
        "op": row.op,
        "mv_id": row.mv_id,
        "status": row.status,
        "attempts": row.attempts,
        "error": mask_text(row.error) if row.error else None,
        "before": mask_values(before) if before is not None else (mask_values(attrs) if not after else None),
        "after": mask_values(after) if after is not None else None,
    }


def list_audit(
    db: Database,
    *,
    actor: str | None = None,
    action: str | None = None,
    run_id: int | None = None,
    since: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """The audit log, newest first."""
    check_limit(limit)
    au = tables.audit_log
    q = select(au).order_by(au.c.id.desc()).limit(limit + 1)
    before = decode_int(cursor)
    if before is not None:
        q = q.where(au.c.id < before)
    if actor:
        q = q.where(au.c.actor == actor)
    if action:
        q = q.where(au.c.action == action)
    if run_id is not None:
        q = q.where(au.c.run_id == run_id)
    if (day := _day(since, "since")) is not None:
        q = q.where(au.c.at >= day)
    with db.begin() as conn:
        rows, nxt = page_of(conn.execute(q).all(), limit, lambda row: row.id)
    items = [
        {
            "id": a.id,
            "at": a.at,
            "actor": a.actor,
            "action": a.action,
            "run_id": a.run_id,
            "change_set_id": a.change_set_id,
            "detail": _masked(loads(a.detail)),
        }
        for a in rows
    ]
    return Page(items, nxt)
