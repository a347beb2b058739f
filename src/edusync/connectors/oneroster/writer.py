"""CSV files of a package, written side by side as one pass over the state hands out their rows.

Text is UTF-8 without a byte-order mark, CRLF line ends and quotes only where a cell needs them
(RFC 4180), which both OneRoster and SDS read.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any


class Files:
    """One CSV writer per file name, each with its header; ``count`` is the records written."""

    def __init__(self, folder: Path, headers: Mapping[str, Sequence[str]]) -> None:
        self.folder = folder
        self.headers = headers
        self._handles: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self.count = 0
        self.per_file: dict[str, int] = {}

    def open_all(self, names: Iterable[str]) -> None:
        for name in names:
            self._writer(name)

    def _writer(self, name: str) -> Any:
        writer = self._writers.get(name)
        if writer is None:
            handle = (self.folder / name).open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(self.headers[name])
            self._handles[name], self._writers[name] = handle, writer
            self.per_file[name] = 0
        return writer

    def row(self, name: str, cells: Sequence[str]) -> None:
        self._writer(name).writerow(cells)
        self.count += 1
        self.per_file[name] += 1

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()

    def __enter__(self) -> Files:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def manifest(folder: Path, properties: Sequence[tuple[str, str]]) -> None:
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(("propertyName", "value"))
        writer.writerows(properties)
