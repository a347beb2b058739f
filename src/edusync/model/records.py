"""The plain objects that flow between connectors, the engine and storage.

They are deliberately small and free of I/O: connectors build them, the engine
computes over them, storage persists them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

Attrs = dict[str, Any]


class Op(enum.StrEnum):
    """What a change does to a target object."""

    ADD = "add"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"
    ARCHIVE = "archive"
    FORGET = "forget"  # never sent: edusync stops tracking the object (deprovision "disconnect")


class State(enum.StrEnum):
    """Lifecycle state of a metaverse object."""

    ACTIVE = "active"
    GRACE = "grace"
    DISABLED = "disabled"
    ARCHIVED = "archived"
    PURGED = "purged"


PROVISIONED_STATES = frozenset({State.ACTIVE, State.GRACE, State.ARCHIVED})


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One object as a source delivers it: its stable anchor and its attributes."""

    anchor: str
    attrs: Attrs


@dataclass(slots=True)
class Change:
    """One planned change to one target object."""

    id: int
    object_type: str
    key: str
    op: Op
    attrs: Attrs
    hash: str
    mv_id: str | None = None
    soft: bool = True


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """What the target said about one change. ``retriable`` failures are tried again next run."""

    change_id: int
    ok: bool
    error: str | None = None
    retriable: bool = True


@dataclass(slots=True)
class MvObject:
    """A metaverse object: the joined picture of one person, organisation, group or membership."""

    id: str
    object_type: str
    attrs: Attrs
    lineage: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: list[list[str]] = field(default_factory=list)
    state: State = State.ACTIVE
    state_since: str | None = None
    changed_run: int = 0
    hash: str = ""
