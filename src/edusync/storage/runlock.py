"""One run at a time: a run records its owner (host and process), and a new run first settles any run
whose process has died, so an interrupted export is confirmed before anything is planned again."""

from __future__ import annotations

import os
import socket

from sqlalchemy import Connection, select

from edusync.errors import RunInProgress
from edusync.storage import tables


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


def interrupted_runs(conn: Connection) -> list[int]:
    """Runs marked running whose process on this host is gone; raise if one is alive or elsewhere."""
    rows = conn.execute(select(tables.runs.c.id, tables.runs.c.owner).where(tables.runs.c.status == "running")).all()
    dead = []
    for run_id, who in rows:
        if who == owner():
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
