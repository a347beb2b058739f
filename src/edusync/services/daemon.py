"""The daemon's loop: settle what a stopped or dead process left, then start what the schedules make due.

``edusync daemon`` runs :func:`loop` in its main thread while the console serves from another.
Each pass asks the clock for the time, so a start is judged against that moment
(:func:`edusync.services.schedules.tick`: one run at a time, a missed start once), then sleeps
``interval`` seconds or until a stop is asked for (:mod:`edusync.stopping`). A run the last
process left (stopped on SIGTERM, or killed) resumes before anything new starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from edusync import stopping
from edusync.config.loader import LoadedConfig
from edusync.errors import EdusyncError, RunInProgress
from edusync.pipeline.context import Progress, _no_progress
from edusync.services import runs, schedules
from edusync.storage import Database
from edusync.storage.runlock import interrupted_runs

__all__ = ["Clock", "loop", "resume_interrupted"]

log = logging.getLogger("edusync.daemon")
ACTOR = "daemon"


class Clock:
    """The time the daemon judges schedules by: now, or (for tests) a start that runs on at the real pace."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.start = start.replace(tzinfo=start.tzinfo or dt.UTC) if start is not None else None
        self.began = time.monotonic()

    def now(self) -> dt.datetime:
        if self.start is None:
            return dt.datetime.now(dt.UTC)
        return self.start + dt.timedelta(seconds=time.monotonic() - self.began)


def resume_interrupted(loaded: LoadedConfig, db: Database, progress: Progress = _no_progress) -> list[int]:
    """Finish the runs whose process is gone (this daemon's last life, a killed ``edusync run``); their ids."""
    with db.begin() as conn:
        dead = interrupted_runs(conn)  # a run still alive elsewhere raises RunInProgress
    done = []
    for run_id in dead:
        log.info("run %s was left by a process that is gone: resuming it first", run_id, extra={"run_id": run_id})
        outcome = runs.resume(loaded, db, run_id, actor=ACTOR, progress=progress)
        log.info("run %s: %s (exit %d)", run_id, outcome.status, outcome.exit_code, extra={"run_id": run_id})
        done.append(run_id)
        if outcome.status == "stopped":
            break
    return done


def _pass(loaded: LoadedConfig, db: Database, clock: Clock, progress: Progress) -> None:
    for r in schedules.tick(loaded, db, clock.now(), actor=ACTOR, progress=progress):
        due = r.start.local.isoformat(timespec="minutes")
        if r.run_id is None:
            log.info("%s, due %s: not started: %s", r.profile, due, r.skipped)
        else:
            log.info("%s, due %s: run %s ended with exit %s", r.profile, due, r.run_id, r.exit_code,
                     extra={"run_id": r.run_id})  # fmt: skip


def loop(loaded: LoadedConfig, db: Database, clock: Clock, interval: float, progress: Progress = _no_progress) -> None:
    """Until a stop is asked for: resume what was left, then tick every ``interval`` seconds."""
    settled = False
    while not stopping.requested():
        try:
            if not settled:
                resume_interrupted(loaded, db, progress)
                settled = True
            _pass(loaded, db, clock, progress)
        except RunInProgress as exc:
            log.info("waiting: %s", exc)
        except EdusyncError as exc:
            log.error("the scheduler's pass failed: %s", exc)
        except Exception:  # a bug in one run must not end the daemon; the run itself is recorded failed
            log.exception("the scheduler's pass failed unexpectedly")
        if stopping.wait(interval):
            break
