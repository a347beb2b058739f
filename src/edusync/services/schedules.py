"""The schedules, as the edges see them: the coming starts of every profile, and a tick that makes what is due.

``edusync schedule`` lists :func:`upcoming`; ``edusync schedule tick`` (and the daemon) call
:func:`tick`, which starts each due profile in turn through :func:`edusync.services.runs.start`,
so a scheduled run is the same run a person starts, with the same lock, gate and report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from edusync.config.loader import LoadedConfig
from edusync.config.models import Config
from edusync.engine import schedule as engine
from edusync.engine.calendar import pause_on
from edusync.errors import RunInProgress
from edusync.pipeline.context import Progress, _no_progress
from edusync.services import runs, stale
from edusync.storage import Database, tables

__all__ = ["TickResult", "last_ended", "tick", "upcoming"]


def upcoming(config: Config, now: dt.datetime, days: int = 14) -> list[dict[str, Any]]:
    """Every scheduled start in the coming ``days``, oldest first, with why it is skipped and which targets pause."""
    until = now + dt.timedelta(days=days)
    rows = []
    for profile, schedule in config.schedules.items():
        exports = [step.split(":")[0] for step in config.profiles[profile] if step.endswith(":export")]
        for start in engine.starts(schedule, config.timezone, now, until):
            paused = {}
            for target in exports:
                pause = pause_on(config.targets[target], start.local.date()) if target in config.targets else None
                if pause is not None:
                    paused[target] = pause.describe()
            rows.append(
                {
                    "profile": profile,
                    "at": start.at.isoformat(),
                    "local": start.local.isoformat(),
                    "skipped": start.skipped,
                    "paused_targets": paused,
                }
            )
    return sorted(rows, key=lambda r: (r["at"], r["profile"]))


def last_ended(db: Database, profile: str) -> dt.datetime | None:
    """When the profile's newest run ended, on that run's clock (its clock plus how long it took)."""
    runs_t = tables.runs
    with db.begin() as conn:
        row = conn.execute(
            select(runs_t.c.clock, runs_t.c.started_at, runs_t.c.finished_at)
            .where(runs_t.c.profile == profile)
            .order_by(runs_t.c.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    clock = dt.datetime.fromisoformat(row.clock)
    if row.finished_at is None:  # still going, or blocked: it ends no earlier than it started
        return clock
    took = dt.datetime.fromisoformat(row.finished_at) - dt.datetime.fromisoformat(row.started_at)
    return clock + max(took, dt.timedelta(0))


@dataclass(frozen=True)
class TickResult:
    """What a tick did for one profile whose start was due."""

    profile: str
    start: engine.Start
    run_id: int | None = None
    """The run it started, or None when it started none."""
    exit_code: int | None = None
    """That run's exit code: 0 done, 1 failed, 3 blocked by the gate."""
    skipped: str | None = None
    """Why no run was started (another run is still going)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "start": self.start.at.isoformat(),
            "run_id": self.run_id,
            "exit_code": self.exit_code,
            "skipped": self.skipped,
        }


def tick(
    loaded: LoadedConfig,
    db: Database,
    now: dt.datetime,
    *,
    actor: str = "schedule",
    progress: Progress = _no_progress,
) -> list[TickResult]:
    """Start every profile whose start is due at ``now``, one after the other (one run at a time).

    Then the stale-target check (:mod:`edusync.services.stale`), which mails once per stale period.
    """
    config = loaded.config
    results = []
    for profile, schedule in config.schedules.items():
        start = engine.due(schedule, config.timezone, last_ended(db, profile), now)
        if start is None:
            continue
        try:
            outcome = runs.start(loaded, db, profile, now=now, actor=actor, progress=progress)
        except RunInProgress as exc:
            results.append(TickResult(profile, start, skipped=f"another run is still going: {exc}"))
            continue
        results.append(TickResult(profile, start, run_id=outcome.run_id, exit_code=outcome.exit_code))
        if outcome.status == "stopped":
            break  # the process is stopping: start nothing more
    stale.check(db, config, now, actor=actor)
    return results
