"""The plain objects that flow between connectors, the engine and storage.

They are deliberately small and free of I/O: connectors build them, the engine
computes over them, storage persists them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

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
    without serialising its attributes. A connector may then pass ``make`` instead
    of ``attrs``, so the attributes are built only for records that changed.
    """

    __slots__ = ("_attrs", "_make", "anchor", "fingerprint")

    def __init__(
        self,
        anchor: str,
        attrs: Attrs | None = None,
        fingerprint: str | None = None,
        make: Callable[[], Attrs] | None = None,
    ) -> None:
        self.anchor = anchor
        self._attrs = attrs if attrs is not None or make is not None else {}
        self._make = make
        self.fingerprint = fingerprint

    @property
    def attrs(self) -> Attrs:
        if self._attrs is None:
            assert self._make is not None
            self._attrs = self._make()
        return self._attrs

    def __repr__(self) -> str:
        return f"SourceRecord({self.anchor!r})"


class Change:
    """One planned change to one target object.

    ``attrs_json`` is the stored canonical JSON of ``attrs``; ``attrs`` is parsed from
    it on first use, so a connector that writes JSON can pass the text through.
    """

    __slots__ = ("_attrs", "attrs_json", "hash", "id", "key", "mv_id", "object_type", "op", "soft")

    def __init__(
        self,
        id: int,
        object_type: str,
        key: str,
        op: Op,
        attrs: Attrs | None = None,
        hash: str = "",
        mv_id: str | None = None,
        soft: bool = True,
        attrs_json: str | None = None,
    ) -> None:
        self.id, self.object_type, self.key, self.op = id, object_type, key, op
        self._attrs = attrs
        self.attrs_json = attrs_json
        self.hash, self.mv_id, self.soft = hash, mv_id, soft

    @property
    def attrs(self) -> Attrs:
        if self._attrs is None:
            self._attrs = orjson.loads(self.attrs_json) if self.attrs_json else {}
        return self._attrs

    def __repr__(self) -> str:
        return f"Change({self.id}, {self.op.value} {self.object_type} {self.key})"


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
