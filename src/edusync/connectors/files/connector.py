"""A directory of files as a source, and JSON Lines files as a target."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import orjson

from edusync.connectors.base import Capability, Connector, ImportStream, ObjectTypeSpec, SourceText
from edusync.connectors.files.reading import csv_text, read_csv, read_json
from edusync.connectors.files.settings import FilesSettings
from edusync.errors import FatalError, SourceError
from edusync.model.records import Change, ChangeResult


def _line(c: Change) -> dict[str, object]:
    attrs = orjson.Fragment(c.attrs_json) if c.attrs_json else c.attrs
    return {
        "change_id": c.id,
        "op": c.op.value,
        "object_type": c.object_type,
        "key": c.key,
        "soft": c.soft,
        "attrs": attrs,
    }


class FilesConnector(Connector):
    """Reads ``orgs``, ``persons``, ``groups``, ``memberships`` (CSV or JSON); writes JSON Lines.

    Every change set becomes one file, ``<name>-run<run>-cs<id>.jsonl``, published by
    rename when complete; while a change set is being written the file ends in
    ``.partial``, and a resumed export reads it to confirm what it already holds.
    """

    type_name = "files"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.FULL_IMPORT, Capability.EXPORT, Capability.CONFIRM, Capability.SOFT_DELETE}
    )
    settings_model = FilesSettings
    default_batch_size = 20_000  # a batch is one append and one fsync
    settings: FilesSettings

    def object_types(self) -> list[ObjectTypeSpec]:
        return [ObjectTypeSpec(name, ft.anchor) for name, ft in self.settings.types.items()]

    def _source_file(self, object_type: str) -> Path:
        if self.settings.input is None:
            raise FatalError(f"connector {self.name!r}: 'input' is not set, so it cannot import")
        ft = self.settings.types[object_type]
        folder = self.resolve_path(self.settings.input)
        if not folder.is_dir():
            raise SourceError(
                f"{folder}: input folder not found (connector {self.name!r})", connector=self.name, path=str(folder)
            )
        if Path(ft.file).suffix:
            return folder / ft.file
        suffixes = [".csv", ".json", ".jsonl"] if self.settings.format == "auto" else [f".{self.settings.format}"]
        for suffix in suffixes:
            candidate = folder / (ft.file + suffix)
            if candidate.exists():
                return candidate
        raise SourceError(
            f"{folder}: no file {ft.file}{'|'.join(suffixes)} for object type {object_type!r}",
            connector=self.name,
            path=str(folder),
        )

    def import_objects(self, object_type: str, *, since: str | None = None) -> ImportStream:
        path = self._source_file(object_type)
        anchor = self.settings.types[object_type].anchor
        if path.suffix in (".json", ".jsonl"):
            return ImportStream(read_json(path, anchor))
        return ImportStream(read_csv(path, anchor, self.settings.encoding, self.settings.delimiter))

    def _reading(self, path: Path, object_type: str) -> str:
        """The settings that decide how ``path`` reads as ``object_type``."""
        s = self.settings
        return f"{path.name}|{s.types[object_type]}|{s.encoding}|{s.delimiter}"

    def snapshot(self, object_type: str) -> str | None:
        """The hash of the file and of the settings that decide how it is read."""
        path = self._source_file(object_type)
        digest = hashlib.blake2b(self._reading(path, object_type).encode())
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()[:32]

    def source_text(self, object_type: str) -> SourceText | None:
        """A CSV file as its lines (JSON is read whole)."""
        path = self._source_file(object_type)
        if path.suffix in (".json", ".jsonl"):
            return None
        s = self.settings
        return csv_text(path, s.types[object_type].anchor, s.encoding, s.delimiter, self._reading(path, object_type))

    # -- target -----------------------------------------------------------------------------

    def _out(self) -> Path:
        if self.settings.output is None:
            raise FatalError(f"connector {self.name!r}: 'output' is not set, so it cannot export")
        folder = self.resolve_path(self.settings.output)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def begin_export(self, run_id: int, change_set_id: int) -> None:
        self._final = self._out() / f"{self.name}-run{run_id:06d}-cs{change_set_id}.jsonl"
        self._partial = self._final.with_name(self._final.name + ".partial")

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        lines = b"".join(orjson.dumps(_line(c)) + b"\n" for c in changes)
        with self._partial.open("ab") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
        return [ChangeResult(c.id, True) for c in changes]

    def confirm(self, changes: Sequence[Change]) -> set[int]:
        """Ids already written (in the partial file, or the published one); a torn last line is cut off."""
        source = self._partial if self._partial.exists() else self._final
        if not source.exists():
            return set()
        data = source.read_bytes()
        good = data[: data.rfind(b"\n") + 1]
        if len(good) != len(data) and source == self._partial:
            with self._partial.open("r+b") as handle:
                handle.truncate(len(good))
        present = {orjson.loads(line)["change_id"] for line in good.splitlines() if line}
        return {c.id for c in changes if c.id in present}

    def finish_export(self) -> None:
        """Publish the change set's file; again after a publish (a resumed run), change nothing."""
        if self._final.exists() and not self._partial.exists():
            return  # published by an attempt that died before the run recorded it
        self._partial.touch()
        os.replace(self._partial, self._final)
        self._prune()

    def _prune(self) -> None:
        files = sorted(self._final.parent.glob(f"{self.name}-run*.jsonl"))
        for old in files[: -self.settings.keep_files]:
            with contextlib.suppress(OSError):
                old.unlink()
