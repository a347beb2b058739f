"""The ``schedules:`` block: when each profile starts by itself.

``edusync schedule`` shows the next starts and why one is skipped; ``edusync schedule tick``
(from cron or a systemd timer every few minutes, or from the daemon) starts what is due.
Cron expressions are read in the config's ``timezone``, so ``0 2 * * *`` is two at night in
Oslo in winter and in summer; on the night the clocks go forward, a start in the missing hour
runs at three, and on the night they go back, a start in the repeated hour runs once.
"""

from __future__ import annotations

import datetime as dt

from cronsim import CronSim, CronSimError
from pydantic import Field, field_validator

from edusync.config.rules import Frozen
from edusync.config.targets import PauseWindow


class Schedule(Frozen):
    """When one profile starts (its key under ``schedules`` is the profile's name)."""

    cron: list[str] = Field(min_length=1)
    """Cron expressions (minute hour day-of-month month day-of-week), in the config's ``timezone``: ``"0 2 * * *"``
    every night at two, ``"*/30 6-18 * * 1-5"`` every half hour on weekdays; several starts at once count as one."""
    skip: list[PauseWindow] = Field(default_factory=list)
    """Days on which the profile is not started at all (``from``/``to`` as a target's ``pause``, and a ``reason``):
    the summer, a day the school owner's systems are down. A target's own ``pause`` still lets the run plan."""
    catch_up: bool = True
    """A start missed while edusync was down runs once when it comes back, however many were missed; false: a
    missed start is skipped and the next one waits for its own time."""

    @field_validator("cron")
    @classmethod
    def _expressions(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                CronSim(value, dt.datetime(2026, 1, 1))
            except CronSimError as exc:
                raise ValueError(f"{value!r} is not a cron expression: {exc}") from None
        return values
