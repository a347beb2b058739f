"""Lifecycle rules: active → grace → disabled (the trash) → purged, and back on restore."""

from __future__ import annotations

import datetime as dt

from edusync.config.models import LifecyclePolicy
from edusync.model.records import MvObject, State


def purge(mv: MvObject) -> None:
    """Forget everything personal; the id and state stay as a tombstone for the run history."""
    mv.attrs = {}
    mv.lineage = {}
    mv.sources = []
    mv.state = State.PURGED


def next_state(state: State, since: dt.datetime, now: dt.datetime, policy: LifecyclePolicy) -> State | None:
    """The state an object moves to by the passing of time alone, or None if it stays."""
    age = now - since
    if state == State.GRACE and age >= dt.timedelta(days=policy.grace_days):
        return State.DISABLED
    if state == State.DISABLED and age >= dt.timedelta(days=policy.retention_days):
        return State.PURGED
    return None


def cutoff(now: dt.datetime, days: int) -> str:
    """The ``state_since`` stamp at or before which ``days`` have passed (stamps compare as text)."""
    return (now - dt.timedelta(days=days)).isoformat(timespec="seconds")
