"""The ``oneroster-csv`` connector: OneRoster 1.1 and 1.2 CSV packages in, OneRoster 1.2 packages out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from edusync.connectors.base import Capability, ImportStream, ObjectTypeSpec
from edusync.connectors.oneroster import reader
from edusync.connectors.oneroster.package import Package
from edusync.connectors.oneroster.render import render
from edusync.connectors.oneroster.settings import OneRosterSettings
from edusync.connectors.oneroster.target import PackageTarget
from edusync.connectors.pifu.state import State
from edusync.errors import FatalError, SourceError
from edusync.model.records import SourceRecord

_SOURCE_TYPES = {
    "academicSession": ("title", "type", "start", "end", "parent", "schoolYear"),
    "course": ("title", "courseCode", "grades", "org", "subjects", "subjectCodes", "schoolYear"),
}


class OneRosterConnector(PackageTarget):
    """Reads a OneRoster CSV package (``input``); writes one OneRoster 1.2 package per change set (``output``).

    As a source its object types are ``organisation`` (orgs.csv), ``academicSession``, ``course``,
    ``group`` (classes.csv), ``person`` (users.csv, with its roles per org and demographics) and
    ``membership`` (enrollments.csv). As a target it takes ``organisation``, ``person``, ``group``
    and ``membership`` and writes the package's orgs, academic sessions, courses, classes, users,
    roles and enrollments; the attribute names are in docs/oneroster.md.
    """

    type_name = "oneroster-csv"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.FULL_IMPORT, Capability.DELTA_IMPORT, Capability.EXPORT, Capability.SOFT_DELETE, Capability.CONFIRM}
    )
    settings_model = OneRosterSettings
    settings: OneRosterSettings
    state_name = "oneroster-state.sqlite"

    def __init__(self, name: str, settings: Any, base_dir: Path) -> None:
        super().__init__(name, settings, base_dir)
        self._known: tuple[str, dict[str, set[str]]] | None = None

    def object_types(self) -> list[ObjectTypeSpec]:
        types = super().object_types()
        if self.settings.input is not None:
            types += [ObjectTypeSpec(name, "id", attrs) for name, attrs in _SOURCE_TYPES.items()]
        return types

    # -- source -----------------------------------------------------------------------------

    def package_path(self) -> Path:
        if self.settings.input is None:
            raise FatalError(f"connector {self.name!r}: 'input' is not set, so it cannot import")
        path = self.resolve_path(self.settings.input)
        if path.is_dir() and not any(p.name.lower() == "manifest.csv" for p in path.iterdir()):
            zips = sorted(path.glob("*.zip"))
            if not zips:
                raise SourceError(f"{path}: neither manifest.csv nor a .zip package in the folder", path=str(path))
            return zips[-1]
        return path

    def _fingerprint(self, path: Path) -> str:
        digest = hashlib.blake2b(path.name.encode())
        files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.name.encode())
            with file.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        return digest.hexdigest()[:32]

    def import_objects(self, object_type: str, *, since: str | None = None) -> ImportStream:
        if object_type not in reader.TYPES:
            raise FatalError(f"connector {self.name!r} has no object type {object_type!r}")
        path = self.package_path()

        def records() -> Iterator[SourceRecord]:
            with Package(path) as pkg:
                reading = reader.Reading(pkg, self.warn, self._known_ids(path, pkg))
                yield from reading.records(object_type, since)
                stream.watermark = reading.watermark or since

        stream = ImportStream(records(), since)
        return stream

    def _known_ids(self, path: Path, pkg: Package) -> dict[str, set[str]]:
        """The ids references are judged by, read once per package content (all object types share them)."""
        fingerprint = self._fingerprint(path)
        if self._known is None or self._known[0] != fingerprint:
            self._known = (fingerprint, reader.known_ids(pkg))
        return self._known[1]

    def snapshot(self, object_type: str) -> str | None:
        """The hash of the package's bytes."""
        return f"{object_type}:{self._fingerprint(self.package_path())}"

    # -- target -----------------------------------------------------------------------------

    def full(self, state: State) -> bool:
        return self.settings.mode == "bulk" or (self.settings.mode == "auto" and state.is_empty())

    def skip_empty(self) -> bool:
        return self.settings.skip_empty_delta

    def render(self, folder: Path, state: State, full: bool) -> int:
        return render(folder, state, full, labels_before=self._labels_before, warn=self.warn,
                      system_name=self.settings.system_name, system_code=self.settings.system_code)  # fmt: skip

    def _finish(self) -> None:
        # The labels as published before this change set: a class deleted now still names its school.
        self._labels_before = self.state().labels()
        super()._finish()
