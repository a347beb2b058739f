"""The run's own row: created when a run starts, moved on after each step, closed when it ends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from edusync.errors import NotFound
from edusync.model.hashing import dumps, loads
from edusync.pipeline.context import Report, RunMode
from edusync.storage import Database, runlock, tables
from edusync.storage.audit import utcnow
from edusync.storage.runlock import owner


@dataclass(frozen=True)
class StoredRun:
    """What a resume needs of a stored run."""

    id: int
    profile: str
    status: str
    owner: str | None
    steps: list[str]
    step_index: int
    clock: dt.datetime
    mode: RunMode
    block: dict[str, Any] | None
    report: Report
    options: dict[str, Any]


def create(
    db: Database, profile: str, steps: list[str], clock: dt.datetime, mode: RunMode, options: dict[str, Any]
) -> runlock.Claim:
    """A new run, owned by this process, unless another holds the database (see :mod:`edusync.storage.runlock`)."""

    def insert(conn: Connection) -> int:
        res = conn.execute(
            tables.runs.insert().values(
                profile=profile,
                status="running",
                dry_run=mode is RunMode.DRY_RUN,
                started_at=utcnow().isoformat(timespec="seconds"),
                clock=clock.isoformat(),
                steps=dumps(steps),
                step_index=0,
                counts="{}",
                errors="[]",
                warnings="[]",
                owner=owner(),
                options=dumps(options),
                recovered="[]",
            )
        )
        return int(res.inserted_primary_key[0])  # type: ignore[index]

    return runlock.claim(db, insert)


def load(db: Database, run_id: int) -> StoredRun:
    with db.begin() as conn:
        row = conn.execute(select(tables.runs).where(tables.runs.c.id == run_id)).first()
    if row is None:
        raise NotFound(f"there is no run {run_id}", run_id=run_id)
    return StoredRun(
        id=row.id,
        profile=row.profile,
        status=row.status,
        owner=row.owner,
        steps=loads(row.steps),
        step_index=row.step_index,
        clock=dt.datetime.fromisoformat(row.clock),
        mode=RunMode.stored(bool(row.dry_run)),
        block=loads(row.block) if row.block else None,
        report=Report.from_dict(loads(row.counts), loads(row.errors), loads(row.warnings), loads(row.recovered)),
        options=loads(row.options),
    )


def step_done(db: Database, run_id: int, next_index: int, report: Report) -> None:
    """Record that the steps before ``next_index`` are done (a resume starts at ``next_index``)."""
    with db.begin() as conn:
        conn.execute(
            update(tables.runs)
            .where(tables.runs.c.id == run_id)
            .values(step_index=next_index, counts=dumps(report.as_dict()))
        )


def finish(db: Database, run_id: int, status: str, report: Report, block: dict[str, Any] | None) -> None:
    with db.begin() as conn:
        conn.execute(
            update(tables.runs)
            .where(tables.runs.c.id == run_id)
            .values(
                status=status,
                finished_at=utcnow().isoformat(timespec="seconds"),
                counts=dumps(report.as_dict()),
                errors=dumps(report.errors),
                warnings=dumps(report.warnings),
                recovered=dumps(report.recovered),
                block=dumps(block) if block else None,
            )
        )


def save_warnings(db: Database, run_id: int, warnings: list[str]) -> None:
    with db.begin() as conn:
        conn.execute(update(tables.runs).where(tables.runs.c.id == run_id).values(warnings=dumps(warnings)))
