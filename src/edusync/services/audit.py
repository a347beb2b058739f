"""The audit log as people read it: who exported, restored, approved, rejected or rotated keys, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from edusync.errors import FatalError
from edusync.model.fnr import redact
from edusync.model.hashing import loads
from edusync.storage import Database, tables

#: The actions edusync records (a filter on another name is refused rather than answered with nothing).
ACTIONS = (
    "export",
    "grade-export",
    "approve",
    "reject",
    "restore",
    "key-rotate",
    "token-create",
    "token-revoke",
    "stale-mail",
)


def since_stamp(value: str) -> str:
    """``2026-12-01`` or ``2026-12-01T06:00`` (UTC unless it says otherwise) as a stored time stamp."""
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FatalError(f"--since {value!r}: give a date (2026-12-01) or a time (2026-12-01T06:00)") from None
    when = when.replace(tzinfo=when.tzinfo or dt.UTC).astimezone(dt.UTC)
    return when.replace(tzinfo=None).isoformat(timespec="seconds")


def entries(
    db: Database, *, since: str | None = None, action: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest ``limit`` entries (newest first), from ``since`` on and of ``action`` if given."""
    if action is not None and action not in ACTIONS:
        raise FatalError(f"--action {action!r}: edusync records {', '.join(ACTIONS)}")
    au = tables.audit_log
    q = select(au).order_by(au.c.id.desc()).limit(limit)
    if since is not None:
        q = q.where(au.c.at >= since_stamp(since)[:19])
    if action is not None:
        q = q.where(au.c.action == action)
    with db.begin() as conn:
        rows = conn.execute(q).all()
    return [
        {
            "id": r.id,
            "at": r.at,
            "actor": r.actor,
            "action": r.action,
            "run_id": r.run_id,
            "change_set_id": r.change_set_id,
            "detail": redact(loads(r.detail)),
        }
        for r in rows
    ]
