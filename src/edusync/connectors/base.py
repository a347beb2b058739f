"""The connector contract.

A connector is a plugin for one external system. Its class declares what it can do
(:class:`Capability`) and its settings model; the engine owns the loop around it.

Contract (checked by :class:`edusync.testing.connector_contract.ConnectorContract`,
which every connector's tests subclass):

1. ``object_types()`` lists every object type the connector reads or writes, each with
   the attribute that is its anchor. Anchors are stable, unique within a type, and
   never a fødselsnummer when another key exists.
2. A source (``FULL_IMPORT``) yields every object of a type from ``import_objects(t)``:
   each :class:`SourceRecord` once, with a non-empty string anchor. A full import is
   the whole truth: what it does not yield is gone.
3. With ``DELTA_IMPORT``, ``import_objects(t, since=w)`` yields only what changed
   after watermark ``w``. After the stream is exhausted, ``stream.watermark`` is the
   value to pass next time (or ``None`` if the source has none). Deltas never signal
   deletions; full imports find those.
4. A bad source raises :class:`~edusync.errors.SourceError` naming the file, record
   and field; a passing failure raises :class:`~edusync.errors.RetriableError`.
   Neither may leave partial state behind: the engine stages nothing from a failed
   import.
5. A target (``EXPORT``) applies ``export(changes)`` and returns exactly one
   :class:`ChangeResult` per change, in any order. One failing change does not stop
   the others.
6. With ``CONFIRM``, ``confirm(changes)`` returns the ids of the changes that were
   already applied (used when a run was killed between sending and recording), so
   that nothing is applied twice. Without it, ``export`` must be idempotent.
7. ``begin_export(run_id, target)`` is called before the first batch of a change set
   and ``finish_export()`` after the last, so file targets can publish atomically. Both
   are idempotent: a process can die after ``finish_export`` published and before the run
   recorded it, and the resumed run calls them again; they must then find what was
   published and never replace it with less (an empty file).
8. A source may return a ``snapshot(t)``: a fingerprint of everything it holds of a
   type, cheap to compute (a file's hash). Equal snapshots promise an identical
   full import, which the engine then skips.
9. With ``RECONCILE``, ``drifted(expected)`` reads back the objects that ``expected``
   describes (the state edusync last sent each one, as changes: ``update``, or
   ``archive`` for one the target holds archived; their ids mean nothing) and returns
   one :class:`Drifted` for each whose live state differs in what the connector
   manages, or that is gone. Attributes the connector does not manage are not
   compared; an object in sync is not reported. It only reads, and it copes with
   thousands of objects per call (paged reads). A target that cannot be reached
   raises :class:`~edusync.errors.RetriableError`. The engine uses it to put back
   what was changed behind its back (see :mod:`edusync.pipeline.planning.reconcile`).
10. What a person should read but that fails no record and no change (a value left out,
    a target that refused to be touched) goes to ``warn(message)``: one line, naming the
    record or object, never a fødselsnummer. The engine gives the connector the run's
    warnings list, so the lines land in the run report.
11. A source of one record per line may offer ``source_text(t)`` (:class:`SourceText`): its
    lines, and a parser that gives for any of them exactly the records ``import_objects``
    gives. The engine then parses only the lines that changed since its last full read.
"""

from __future__ import annotations

import datetime as dt
import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from edusync.errors import FatalError
from edusync.model.records import Change, ChangeResult, SourceRecord

#: A staged attribute a connector may set: the last day (``YYYY-MM-DD``, inclusive) on which the
#: source's own criteria still admit the record, judged on the data as read. A record past it drops
#: out of the next import though the source says nothing new; ``edusync forecast`` reads it to tell
#: what a later night brings (docs/forecast.md). Absent: no known end.
VALID_UNTIL = "valid_until"


class Capability(enum.StrEnum):
    FULL_IMPORT = "full_import"
    DELTA_IMPORT = "delta_import"
    EXPORT = "export"
    SOFT_DELETE = "soft_delete"
    CONFIRM = "confirm"
    RECONCILE = "reconcile"


@dataclass(frozen=True)
class ObjectTypeSpec:
    """One object type a connector knows: its name, anchor attribute and known attributes."""

    name: str
    anchor: str
    attributes: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)
    #: Written to the system only (e.g. a write-back); never imported.
    export_only: bool = False


@dataclass(frozen=True)
class Drifted:
    """A target object whose live state is not what edusync last sent it (contract rule 9)."""

    object_type: str
    key: str
    #: The object is gone from the target, not merely different.
    missing: bool = False
    #: Names of the managed attributes that differ; never their values, which may be a fødselsnummer.
    attributes: tuple[str, ...] = ()


class ImportStream:
    """An iterator of records with the watermark to use next time, known once exhausted."""

    def __init__(self, records: Iterator[SourceRecord], watermark: str | None = None) -> None:
        self._records = records
        self.watermark = watermark
        self.total: int | None = None

    def __iter__(self) -> Iterator[SourceRecord]:
        return self._records


@dataclass(frozen=True)
class SourceText:
    """A line-per-record source as its raw lines, so an import can read only the lines that changed.

    The import keeps the lines of its last full read (sealed, :mod:`edusync.pipeline.importing.lines`)
    and parses only the lines that are new since; a line that went, it parses from that copy to learn
    whose it was. ``parse`` turns lines into records exactly as :meth:`Connector.import_objects` would
    (the same anchors, attributes and fingerprints) and raises :class:`~edusync.errors.SourceError`
    on a line it refuses, which sends the import back to a full read, whose error names the line.
    """

    #: What decides how the lines read (the file's name, the settings): a different one reads in full.
    settings: str
    header: bytes
    #: The data lines in source order, without their line ends; no line is empty.
    lines: list[bytes]
    parse: Callable[[bytes, Sequence[bytes]], Iterator[SourceRecord]]


class NoSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Connector(ABC):
    """Base class of every connector; see the module docstring for the contract."""

    type_name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    settings_model: ClassVar[type[BaseModel]] = NoSettings
    #: Changes per ``export`` call unless the target's config says otherwise.
    default_batch_size: ClassVar[int] = 500

    def __init__(self, name: str, settings: BaseModel, base_dir: Path) -> None:
        self.name = name
        self.settings = settings
        self.base_dir = base_dir
        #: The run's date: sources whose records depend on validity periods judge them on this day.
        self.today: dt.date | None = None
        #: The run's clock, for a source whose days are not UTC's (FINT decides them in Oslo).
        self.now: dt.datetime | None = None
        #: Contract rule 10; the engine replaces it with the run report's list.
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        """Note ``message`` for the run report, once (contract rule 10)."""
        if message not in self.warnings:
            self.warnings.append(message)

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @abstractmethod
    def object_types(self) -> list[ObjectTypeSpec]:
        """Every object type this connector reads or writes."""

    def object_type(self, name: str) -> ObjectTypeSpec:
        for spec in self.object_types():
            if spec.name == name:
                return spec
        raise FatalError(f"connector {self.name!r} has no object type {name!r}")

    def import_objects(self, object_type: str, *, since: str | None = None) -> ImportStream:
        """Yield the objects of ``object_type`` (all, or those changed after ``since``)."""
        raise FatalError(f"connector {self.name!r} ({self.type_name}) cannot import")

    def snapshot(self, object_type: str) -> str | None:
        """A fingerprint of the whole of ``object_type`` as the source holds it now, if cheap; else None."""
        return None

    def source_text(self, object_type: str) -> SourceText | None:
        """``object_type`` as lines, one record each, when the source is such a file; else None (read in full)."""
        return None

    def begin_export(self, run_id: int, change_set_id: int) -> None:
        """Prepare to receive the batches of one change set."""

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """Apply ``changes``; return one result per change."""
        raise FatalError(f"connector {self.name!r} ({self.type_name}) cannot export")

    def confirm(self, changes: Sequence[Change]) -> set[int]:
        """Ids of ``changes`` the target already has (only with ``CONFIRM``)."""
        return set()

    def drifted(self, expected: Sequence[Change]) -> list[Drifted]:
        """Objects whose live state differs from ``expected`` or that are gone (only with ``RECONCILE``)."""
        raise FatalError(f"connector {self.name!r} ({self.type_name}) cannot read back what it holds")

    def finish_export(self) -> None:
        """Publish what the change set's batches wrote."""

    def close(self) -> None:
        """Release connections and files."""

    def resolve_path(self, path: Path) -> Path:
        """Paths in settings are relative to the configuration file's folder."""
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type_name,
            "capabilities": sorted(c.value for c in self.capabilities),
            "object_types": [t.name for t in self.object_types()],
        }
