"""What a forecast found, and the calendar made of several: plain objects, no database.

A forecast of day D is what a run on D would change with no new source data (the pipeline
evaluates it in a transaction it rolls back, :mod:`edusync.pipeline.forecast`). A calendar is
night after night in one such transaction, each night's changes taken as sent, evaluated only
on the days at which anything can change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Per object type, per operation: how many.
Counts = dict[str, dict[str, int]]
#: One planned change: (target, object type, key, operation).
ChangeKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class Loss:
    """A person a target deletes (or disables): who, told apart by what is safe to print."""

    person: str  # the metaverse id
    key: str  # the person's key in the target
    name: str
    feide: str | None
    nin: str | None  # already masked
    school: str | None


@dataclass
class TargetForecast:
    target: str
    counts: Counts = field(default_factory=dict)
    before: dict[str, int] = field(default_factory=dict)
    blocked: bool = False
    reasons: list[str] = field(default_factory=list)
    #: The school-year rollover's own changes (per object type and op), when D starts a new year.
    rolled: Counts = field(default_factory=dict)
    losses: list[Loss] = field(default_factory=list)
    changes: frozenset[ChangeKey] = frozenset()
    #: The pause window D falls in ("paused (summer) from … to …"): the run plans these changes but
    #: sends none, so they wait for the first night after it.
    paused: str | None = None

    @property
    def total(self) -> int:
        return sum(sum(ops.values()) for ops in self.counts.values())

    def ops(self) -> dict[str, int]:
        """Adds, updates and deletes over every object type."""
        out: dict[str, int] = defaultdict(int)
        for ops in self.counts.values():
            for op, n in ops.items():
                out[op] += n
        return dict(out)

    def by_school(self) -> dict[str, list[Loss]]:
        """The persons who lose this target, per school (``""``: no school known), by name."""
        return by_school(self.losses)


def by_school(people: Iterable[Loss]) -> dict[str, list[Loss]]:
    """Persons per school (``""``: no school known), each school's by name."""
    out: dict[str, list[Loss]] = defaultdict(list)
    for loss in sorted(people, key=lambda x: (x.name, x.person)):
        out[loss.school or ""].append(loss)
    return dict(sorted(out.items()))


def _people(people: Iterable[Loss]) -> dict[str, list[dict[str, Any]]]:
    return {
        school: [{"id": x.person, "key": x.key, "name": x.name, "feide": x.feide, "nin": x.nin} for x in found]
        for school, found in by_school(people).items()
    }


@dataclass
class Forecast:
    day: dt.date
    clock: dt.datetime
    #: Staged objects whose validity ends before D, per ``connector/object_type``.
    expired: dict[str, int] = field(default_factory=dict)
    #: The lifecycle's moves (grace → trash → purged) and the sync's, as the run's report counts them.
    lifecycle: Counts = field(default_factory=dict)
    sync: Counts = field(default_factory=dict)
    targets: dict[str, TargetForecast] = field(default_factory=dict)
    #: Persons whose sources are gone on D: into grace, still in the targets until it runs out.
    leaving: list[Loss] = field(default_factory=list)
    #: Why the input check of an import would block the run before anything is synced (then the
    #: targets show what approving it would bring).
    input_reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.input_reasons) or any(t.blocked for t in self.targets.values())

    def changes(self) -> frozenset[ChangeKey]:
        return frozenset().union(*(t.changes for t in self.targets.values()))


@dataclass(frozen=True)
class Night:
    """One night of a calendar: the changes its run brings, and whether the gate would block it."""

    day: dt.date
    changes: int
    per_target: dict[str, int]
    blocked: list[str]
    #: Targets in a pause window that night: their changes are counted but wait.
    paused: list[str]
    #: Persons a target deletes that night, over every target; persons going into grace.
    losses: int
    leaving: int


def candidate_days(start: dt.date, end: dt.date, events: Iterable[dt.date]) -> list[dt.date]:
    """The days from ``start`` to ``end`` on which a run can change anything: ``start`` and each event in range.

    Without new source data nothing changes between two events, so every other day repeats the
    day before it and is not evaluated.
    """
    days = {start} | {d for d in events if start <= d <= end}
    return sorted(days)


def nights(forecasts: Sequence[Forecast]) -> list[Night]:
    """A calendar's forecasts (each night's changes, the nights before it taken as sent) as its nights."""
    out: list[Night] = []
    for fc in forecasts:
        per_target = {name: t.total for name, t in fc.targets.items()}
        blocked = [t.target for t in fc.targets.values() if t.blocked] + (["input"] if fc.input_reasons else [])
        paused = [t.target for t in fc.targets.values() if t.paused]
        losses = sum(len(t.losses) for t in fc.targets.values())
        out.append(Night(fc.day, sum(per_target.values()), per_target, blocked, paused, losses, len(fc.leaving)))
    return out


def night_dict(night: Night) -> dict[str, Any]:
    return {
        "date": night.day.isoformat(),
        "changes": night.changes,
        "per_target": night.per_target,
        "blocked": night.blocked,
        "paused": night.paused,
        "losses": night.losses,
        "leaving": night.leaving,
    }


def as_dict(fc: Forecast) -> dict[str, Any]:
    """A forecast as JSON (``--json``, the API)."""
    return {
        "date": fc.day.isoformat(),
        "clock": fc.clock.isoformat(),
        "expired": fc.expired,
        "sync": fc.sync,
        "lifecycle": fc.lifecycle,
        "blocked": fc.blocked,
        "input_reasons": fc.input_reasons,
        "leaving": _people(fc.leaving),
        "warnings": fc.warnings,
        "targets": {
            name: {
                "counts": t.counts,
                "ops": t.ops(),
                "before": t.before,
                "total": t.total,
                "blocked": t.blocked,
                "reasons": t.reasons,
                "paused": t.paused,
                "rolled": t.rolled,
                "losses": _people(t.losses),
            }
            for name, t in fc.targets.items()
        },
    }
