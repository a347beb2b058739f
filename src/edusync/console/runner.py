"""Runs the console starts (an approved run's resume, a retry), one at a time, off the request's thread.

A run may take minutes; the request answers ``202`` at once and the page follows the run's
status. The run lock (:mod:`edusync.storage.runlock`) still keeps a second run from starting
beside a nightly one started by cron.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from edusync.config.loader import LoadedConfig
from edusync.errors import EdusyncError
from edusync.services import runs
from edusync.storage import Database

log = logging.getLogger("edusync.console")


class RunWorker:
    """Starts and resumes runs in one background thread; ``loaded`` None: runs cannot be started here."""

    def __init__(self, loaded: LoadedConfig | None, db: Database) -> None:
        self.loaded, self.db = loaded, db
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="console-run")
        self.last: Future[int] | None = None

    @property
    def can_run(self) -> bool:
        return self.loaded is not None

    def resume(self, run_id: int, actor: str) -> Future[int]:
        return self._submit(lambda loaded: runs.resume(loaded, self.db, run_id, actor=actor).run_id)

    def start(self, profile: str, actor: str) -> Future[int]:
        return self._submit(lambda loaded: runs.start(loaded, self.db, profile, actor=actor).run_id)

    def _submit(self, job: object) -> Future[int]:
        loaded = self.loaded
        if loaded is None:
            raise EdusyncError("this server cannot run profiles (a connector's secret is not set); use the CLI")

        def work() -> int:
            try:
                return int(job(loaded))  # type: ignore[operator]
            except Exception:
                log.exception("a run started from the console failed")
                raise

        self.last = self.pool.submit(work)
        return self.last

    def close(self) -> None:
        self.pool.shutdown(wait=True)
