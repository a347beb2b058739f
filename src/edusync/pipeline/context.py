"""What every step of a run shares: the database, the config, the clock, the mode, the report, progress."""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from edusync import stopping
from edusync.config.models import Config
from edusync.errors import StopRequested
from edusync.rules import RuleContext
from edusync.storage import Database

Progress = Callable[[str, int, int | None], None]
#: The run and the profile step this thread is working on, for log lines written deep inside a step
#: (a connector's retry, a skipped record) to name them without being told (``edusync.cli.logs``).
CURRENT_RUN: ContextVar[int | None] = ContextVar("edusync_run", default=None)
CURRENT_STEP: ContextVar[str | None] = ContextVar("edusync_step", default=None)
#: Per object type, per operation (or decision): how many.
Counts = dict[str, dict[str, int]]


def _no_progress(label: str, done: int, total: int | None) -> None:
    return None


def stop_point(where: str) -> None:
    """A place where a run may stop, everything before it recorded: raise when the process is stopping."""
    if stopping.requested():
        raise StopRequested(where)


class RunMode(enum.Enum):
    """What a run persists and what it sends (midPoint calls this a task's execution mode).

    ``REAL`` stores everything and exports; ``DRY_RUN`` stores everything up to the gate (the
    change sets as ``preview``, so a person can read what a run would do) and sends nothing, mails
    nothing. Both import, sync and move the lifecycle on as a real run would.
    """

    REAL = "real"
    DRY_RUN = "dry-run"

    @property
    def sends(self) -> bool:
        """Whether change sets go to the targets (and status mails go out)."""
        return self is RunMode.REAL

    @classmethod
    def stored(cls, dry_run: bool) -> RunMode:
        """The mode of a stored run (the ``runs.dry_run`` column)."""
        return cls.DRY_RUN if dry_run else cls.REAL


@dataclass
class Report:
    """Counters, errors and warnings collected by the steps of one run."""

    counts: dict[str, dict[str, dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    )
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Errors of earlier attempts of this run that a resume got past (kept apart from what is still wrong).
    recovered: list[str] = field(default_factory=list)

    def add(self, section: str, subject: str, what: str, n: int = 1) -> None:
        if n:
            self.counts[section][subject][what] += n

    def set(self, section: str, subject: str, what: str, n: int) -> None:
        self.counts[section][subject][what] = n

    def as_dict(self) -> dict[str, Any]:
        return {s: {k: dict(v) for k, v in subj.items()} for s, subj in self.counts.items()}

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], errors: list[str], warnings: list[str], recovered: list[str] | None = None
    ) -> Report:
        report = cls(errors=list(errors), warnings=list(warnings), recovered=list(recovered or []))
        for section, subjects in data.items():
            for subject, whats in subjects.items():
                for what, n in whats.items():
                    report.set(section, subject, what, int(n))
        return report


@dataclass
class TargetResult:
    """What one attempt did to one target."""

    status: str  # planned, paused, blocked, failed, done, partial
    change_set_id: int | None = None
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] | None = None
    counts: Counts = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return self.status in ("done", "partial", "paused")


@dataclass
class RunContext:
    """One attempt of one run: what its steps read (config, clock, mode) and fill (report, targets).

    ``approved`` holds the hashes a person approved for this run (an input block's loss, a
    change set); ``targets`` what this attempt did to each target, for the status mails.
    """

    db: Database
    config: Config
    settings: dict[str, BaseModel]
    base_dir: Path
    run_id: int
    now: dt.datetime
    report: Report
    mode: RunMode = RunMode.REAL
    actor: str = "edusync"
    progress: Progress = _no_progress
    approved: frozenset[str] = frozenset()
    #: Read every source in full (``edusync run --full``): no snapshot skips, deltas become full imports.
    full: bool = False
    #: How the run was asked to run (``runs.options``): e.g. which run a revert undoes (pipeline/reverting).
    options: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, TargetResult] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rules = RuleContext(today=self.now.date(), run_id=self.run_id)
        self.stamp = self.now.isoformat(timespec="seconds")
