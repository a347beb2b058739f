"""A OneRoster CSV package, as a zip or as a folder: its manifest and the rows of each file.

Text is UTF-8 with or without a byte-order mark; line ends CRLF or LF (the csv module reads
both, and quoted cells may hold commas). Each row comes with the line it ends on, so every
problem names file and line.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from edusync.connectors.oneroster.binding import MANIFEST
from edusync.errors import SourceError


class Package:
    """The files of one package; ``path`` is a ``.zip`` or a folder holding ``manifest.csv``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            names = [p.name for p in path.iterdir() if p.is_file()]
        elif path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise SourceError(f"{path}: not a zip file: {exc}", path=str(path)) from exc
            # The binding puts the files at the zip's root; a zip made of a folder has them one level down.
            names = [n for n in self._zip.namelist() if not n.endswith("/")]
        else:
            raise SourceError(f"{path}: no OneRoster package (neither a folder nor a zip file)", path=str(path))
        self._names = {Path(n).name.lower(): n for n in names if Path(n).suffix.lower() == ".csv"}
        if MANIFEST not in self._names:
            raise SourceError(f"{path}: no manifest.csv, so this is not a OneRoster package", path=str(path))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def label(self, file: str) -> str:
        """How a problem names the file: ``package.zip/users.csv`` or the file's path."""
        return f"{self.path}/{self.member(file) or file}"

    def member(self, file: str) -> str | None:
        """The stored name of ``file`` (``users.csv``), matched without regard to case, or None."""
        return self._names.get(file.lower())

    def has(self, file: str) -> bool:
        return self.member(file) is not None

    def _open(self, member: str) -> IO[str]:
        raw: IO[bytes] = self._zip.open(member) if self._zip is not None else (self.path / member).open("rb")
        # utf-8-sig: a byte-order mark (Excel writes one) is not part of the first column's name.
        return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")

    def rows(self, file: str) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` of every record, the header first (line 1); blank lines skipped."""
        member = self.member(file)
        if member is None:
            return
        label = self.label(file)
        with self._open(member) as handle:
            reader = csv.reader(handle)
            try:
                for cells in reader:
                    if cells and any(cells):
                        yield reader.line_num, cells
            except UnicodeDecodeError as exc:
                raise SourceError(
                    f"{label}: not UTF-8 text: {exc.reason} at byte {exc.start}", file=label, path=str(self.path)
                ) from exc
            except csv.Error as exc:
                raise SourceError(
                    f"{label}:{reader.line_num}: malformed CSV: {exc}", file=label, line=reader.line_num
                ) from exc

    def manifest(self) -> dict[str, tuple[int, str]]:
        """``propertyName`` -> (line, value)."""
        out: dict[str, tuple[int, str]] = {}
        label = self.label(MANIFEST)
        rows = self.rows(MANIFEST)
        header = next(rows, None)
        if header is None or [c.strip() for c in header[1]][:2] != ["propertyName", "value"]:
            raise SourceError(
                f"{label}:1: column propertyName: the header must be propertyName,value", file=label, line=1
            )
        for line, cells in rows:
            if len(cells) < 2:
                raise SourceError(f"{label}:{line}: a property without a value", file=label, line=line)
            out[cells[0].strip()] = (line, cells[1].strip())
        return out
