"""What every step of a run shares: the database, the config, the clock, the report, progress."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from edusync.config.models import Config
from edusync.rules import RuleContext
from edusync.storage import Database

Progress = Callable[[str, int, int | None], None]


def _no_progress(label: str, done: int, total: int | None) -> None:
    return None


@dataclass
class Report:
    """Counters, errors and warnings collected by the steps of one run."""

    counts: dict[str, dict[str, dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    )
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, section: str, subject: str, what: str, n: int = 1) -> None:
        if n:
            self.counts[section][subject][what] += n

    def set(self, section: str, subject: str, what: str, n: int) -> None:
        self.counts[section][subject][what] = n

    def as_dict(self) -> dict[str, Any]:
        return {s: {k: dict(v) for k, v in subj.items()} for s, subj in self.counts.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any], errors: list[str], warnings: list[str]) -> Report:
        report = cls(errors=list(errors), warnings=list(warnings))
        for section, subjects in data.items():
            for subject, whats in subjects.items():
                for what, n in whats.items():
                    report.set(section, subject, what, int(n))
        return report


@dataclass
class RunContext:
    db: Database
    config: Config
    settings: dict[str, BaseModel]
    base_dir: Path
    run_id: int
    now: dt.datetime
    report: Report
    dry_run: bool = False
    actor: str = "edusync"
    progress: Progress = _no_progress

    def __post_init__(self) -> None:
        self.rules = RuleContext(today=self.now.date(), run_id=self.run_id)
        self.stamp = self.now.isoformat(timespec="seconds")
