"""One run at a time: the check "is a run going?" and the claim "mine is" are one atomic step.

A run records its owner (host and process). A new run takes the database's serialized
transaction (:meth:`Database.serialized`), refuses while a live run holds the database, and
otherwise either claims it (inserts its own row) or reports the runs whose process has died,
which the caller settles first, so an interrupted export is confirmed before anything is
planned again. Taking over a run (resume) is a compare-and-set on its owner, so two processes
that resume the same dead run cannot both go on.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select, update

from edusync.errors import RunInProgress
from edusync.storage import tables
from edusync.storage.database import Database


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_alive(who: str) -> bool:
    """Whether the owner ``host:pid`` may still be running (always true for another host)."""
    host, _, pid = who.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    return int(pid) != os.getpid() and _alive(int(pid))


def interrupted_runs(conn: Connection, *, besides: int | None = None) -> list[int]:
    """Runs marked running whose process on this host is gone; raise if one is alive or elsewhere."""
    rows = conn.execute(select(tables.runs.c.id, tables.runs.c.owner).where(tables.runs.c.status == "running")).all()
    dead = []
    for run_id, who in rows:
        if who == owner() or run_id == besides:
            continue  # this process, resuming its own run
        if who and not is_alive(who):
            dead.append(int(run_id))
        else:
            raise RunInProgress(
                f"run {run_id} is still in progress ({who or 'owner unknown'}); wait for it to finish, or if its "
                f"process is gone, finish it with `edusync resume {run_id}`",
                run_id=int(run_id),
                owner=who,
            )
    return dead


@dataclass
class Claim:
    """What asking for the database gave: our new run's id, or the dead runs to settle first."""

    run_id: int | None = None
    dead: list[int] = field(default_factory=list)


def claim(db: Database, create: Callable[[Connection], int]) -> Claim:
    """Atomically: refuse while a live run goes; report dead runs; else ``create`` our run's row."""
    with db.serialized() as conn:
        dead = interrupted_runs(conn)
        if dead:
            return Claim(dead=dead)
        return Claim(run_id=create(conn))


def take_over(db: Database, run_id: int, status: str, was: str | None) -> None:
    """Make this process the owner of ``run_id``, if it is still ``status`` and owned by ``was``.

    Refused (:class:`RunInProgress`) when another live run holds the database, or another
    process took this run over first.
    """
    runs = tables.runs
    with db.serialized() as conn:
        interrupted_runs(conn, besides=run_id)
        condition = runs.c.owner.is_(None) if was is None else runs.c.owner == was
        res = conn.execute(
            update(runs)
            .where(runs.c.id == run_id, runs.c.status == status, condition)
            .values(status="running", owner=owner())
        )
        if res.rowcount != 1:
            raise RunInProgress(f"run {run_id} was taken over by another process", run_id=run_id)
