"""The audit log: who did what, when, to which run or change set. Rows are only ever added."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from edusync.model.fnr import redact
from edusync.model.hashing import dumps
from edusync.storage import tables


def utcnow() -> dt.datetime:
    """Now in UTC, to the second: the form every stored time stamp takes."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def audit(conn: Connection, actor: str, action: str, run_id: int | None, cs_id: int | None, **detail: Any) -> None:
    """Add one entry, in the caller's transaction (so it stands or falls with what it records)."""
    conn.execute(
        tables.audit_log.insert().values(
            at=utcnow().isoformat(timespec="seconds"),
            actor=actor,
            action=action,
            run_id=run_id,
            change_set_id=cs_id,
            detail=dumps(redact(detail)),  # what a person typed (a reason) is shown again: never a national id
        )
    )
