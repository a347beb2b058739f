"""The targets as the console shows them: what each holds, its last export, its failures, its nights.

A retry is the next run of a profile that exports to the target: the planner sends every change
that failed again (:mod:`edusync.pipeline.planning`), so a retry is a run, audited as who asked.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Connection, func, select

from edusync.config.models import Config
from edusync.errors import NotFound
from edusync.model.fnr import mask_text
from edusync.model.hashing import loads
from edusync.services.paging import Page, check_limit, decode_int, page_of
from edusync.storage import Database, tables
from edusync.storage.audit import audit

NIGHTS = 60
#: The object types a chart draws, as a target names them (``lms/org`` has a few, not worth a line).
CHARTED = ("person", "group", "membership")


def _check(config: Config, target: str) -> None:
    if target not in config.targets:
        raise NotFound(f"there is no target {target!r} (known: {', '.join(config.targets) or 'none'})")


def overview(db: Database, config: Config) -> list[dict[str, Any]]:
    """Per target: what it holds, its newest change set and run, its last export and its failed changes."""
    cst, ch, r = tables.change_sets, tables.changes, tables.runs
    out = []
    with db.begin() as conn:
        for name in config.targets:
            last = conn.execute(
                select(cst, r.c.status.label("run_status"), r.c.clock)
                .join(r, r.c.id == cst.c.run_id)
                .where(cst.c.target == name)
                .order_by(cst.c.id.desc())
                .limit(1)
            ).first()
            exported = conn.execute(
                select(cst.c.run_id, cst.c.created_at, cst.c.status)
                .where(cst.c.target == name, cst.c.status.in_(("done", "partial")))
                .order_by(cst.c.id.desc())
                .limit(1)
            ).first()
            failed = conn.execute(
                select(func.count())
                .select_from(ch.join(cst, cst.c.id == ch.c.change_set_id))
                .where(cst.c.target == name, ch.c.status == "failed")
            ).scalar_one()
            version = (last.id, last.status, last.sent_upto) if last is not None else None
            out.append(
                {
                    "name": name,
                    "connector": name,
                    "holds": _holds(conn, str(db.engine.url), name, version),
                    "last": _last(last),
                    "last_export": dict(exported._mapping) if exported else None,
                    "failed": int(failed),
                    "profiles": profiles_for(config, name),
                }
            )
    return out


#: (database, target) → (the newest change set's id, status and progress; when counted; the counts). Only an
#: export changes what a target holds, and it moves its change set's progress, so the counts (a scan of
#: every object the target holds: millions at a county's size) are made again only then, or after
#: ``HOLDS_SECONDS`` whatever the version says.
_HOLDS: dict[tuple[str, str], tuple[Any, float, dict[str, dict[str, int]]]] = {}
_HOLDS_LOCK = threading.Lock()
HOLDS_SECONDS = 60.0


def _holds(conn: Connection, db_key: str, target: str, version: Any) -> dict[str, dict[str, int]]:
    with _HOLDS_LOCK:  # one count at a time: twenty dashboards opened at once do not count twenty times
        cached = _HOLDS.get((db_key, target))
        if cached is not None and cached[0] == version and time.monotonic() - cached[1] < HOLDS_SECONDS:
            return cached[2]
        to = tables.target_objects
        holds: dict[str, dict[str, int]] = {}
        q = select(to.c.object_type, to.c.state, func.count()).where(to.c.target == target)
        for object_type, state, n in conn.execute(q.group_by(to.c.object_type, to.c.state)):
            holds.setdefault(object_type, {})[state] = int(n)
        _HOLDS[(db_key, target)] = (version, time.monotonic(), holds)
        return holds


def _last(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    counts, before = loads(row.counts), loads(row.base_counts)
    return {
        "run_id": row.run_id,
        "run_status": row.run_status,
        "change_set": row.id,
        "status": row.status,
        "clock": row.clock,
        "before": before,
        "after": after_counts(before, counts),
        "counts": counts,
    }


def after_counts(before: dict[str, int], counts: dict[str, dict[str, int]]) -> dict[str, int]:
    out = dict(before)
    for object_type, ops in counts.items():
        out[object_type] = out.get(object_type, 0) + ops.get("add", 0) - ops.get("delete", 0)
    return out


def nights(db: Database, target: str, limit: int = NIGHTS) -> list[dict[str, Any]]:
    """The target's last ``limit`` change sets, oldest first: the night's clock, counts after, and ops."""
    cst, r = tables.change_sets, tables.runs
    with db.begin() as conn:
        rows = conn.execute(
            select(cst.c.run_id, cst.c.status, cst.c.counts, cst.c.base_counts, r.c.clock, r.c.dry_run)
            .join(r, r.c.id == cst.c.run_id)
            .where(cst.c.target == target, r.c.dry_run.is_(False))
            .order_by(cst.c.id.desc())
            .limit(limit)
        ).all()
    out = []
    for row in reversed(rows):
        counts, before = loads(row.counts), loads(row.base_counts)
        sent = row.status in ("done", "partial")
        ops = {op: sum(v.get(op, 0) for v in counts.values()) for op in ("add", "update", "delete")}
        out.append(
            {
                "run_id": row.run_id,
                "clock": row.clock,
                "status": row.status,
                "totals": after_counts(before, counts) if sent else before,
                "ops": ops,
            }
        )
    return out


def failures(db: Database, config: Config, target: str, *, limit: int = 50, cursor: str | None = None) -> Page:
    """The target's changes whose last attempt failed, with the reason, newest first."""
    _check(config, target)
    check_limit(limit)
    ch, cst = tables.changes, tables.change_sets
    q = (
        select(ch.c.id, ch.c.object_type, ch.c.key, ch.c.op, ch.c.mv_id, ch.c.attempts, ch.c.error, cst.c.run_id)
        .join(cst, cst.c.id == ch.c.change_set_id)
        .where(cst.c.target == target, ch.c.status == "failed")
        .order_by(ch.c.id.desc())
        .limit(limit + 1)
    )
    before = decode_int(cursor)
    if before is not None:
        q = q.where(ch.c.id < before)
    with db.begin() as conn:
        rows, nxt = page_of(conn.execute(q).all(), limit, lambda row: row.id)
    items = [{**dict(row._mapping), "error": mask_text(row.error) if row.error else None} for row in rows]
    return Page(items, nxt, {"target": target})


def profiles_for(config: Config, target: str) -> list[str]:
    return [name for name, steps in config.profiles.items() if f"{target}:export" in steps]


def record_retry(db: Database, config: Config, target: str, actor: str) -> str:
    """Audit who asked for a retry and return the profile whose run sends the failures again."""
    _check(config, target)
    profiles = profiles_for(config, target)
    if not profiles:
        raise NotFound(f"no profile exports to {target}; add a '{target}:export' step to one")
    chosen = config.default_profile if config.default_profile in profiles else profiles[0]
    with db.begin() as conn:
        audit(conn, actor, "retry", None, None, target=target, profile=chosen)
    return chosen
