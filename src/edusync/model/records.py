"""The plain objects that flow between connectors, the engine and storage.

They are deliberately small and free of I/O: connectors build them, the engine
computes over them, storage persists them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
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


class SourceRecord:
    """One object as a source delivers it: its stable anchor and its attributes.

    ``fingerprint``, when a connector gives one, is a hash of the record's raw form
    (equal content, equal fingerprint); it lets an unchanged record be skipped
    without even building its attributes (see :meth:`lazy`). Without it the
    importer hashes ``attrs``.
    """

    __slots__ = ("_attrs", "_make", "anchor", "fingerprint")

    def __init__(self, anchor: str, attrs: Attrs, fingerprint: str | None = None) -> None:
        self.anchor = anchor
        self._attrs: Attrs | None = attrs
        self._make: Callable[[], Attrs] | None = None
        self.fingerprint = fingerprint

    @classmethod
    def lazy(cls, anchor: str, fingerprint: str, make: Callable[[], Attrs]) -> SourceRecord:
        """A record whose attributes are built only if the importer needs them."""
        record = cls(anchor, {}, fingerprint)
        record._attrs, record._make = None, make
        return record

    @property
    def attrs(self) -> Attrs:
        if self._attrs is None:
            assert self._make is not None
            self._attrs = self._make()
        return self._attrs

    def __repr__(self) -> str:
        return f"SourceRecord({self.anchor!r})"


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
    lineage: dict[str, list[int]] = field(default_factory=dict)
    sources: list[list[str]] = field(default_factory=list)
    state: State = State.ACTIVE
    state_since: str | None = None
    changed_run: int = 0
    hash: str = ""
