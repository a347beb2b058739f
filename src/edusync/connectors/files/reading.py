"""Read one object type from a CSV, JSON or JSON Lines file, with errors that name file and line."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from edusync.connectors.base import SourceText
from edusync.connectors.inputcheck import check_text
from edusync.errors import SourceError
from edusync.model import fnr
from edusync.model.hashing import ROW_DIGEST
from edusync.model.records import SourceRecord


def _row_attrs(header: list[str], row: list[str]) -> dict[str, Any]:
    return {k: v for k, v in zip(header, row, strict=True) if v}


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values so that a blank cell and a missing column hash the same."""
    return {k: v for k, v in row.items() if v not in (None, "") and k}


def read_csv(path: Path, anchor: str, encoding: str, delimiter: str) -> Iterator[SourceRecord]:
    """Rows as records; each record's fingerprint hashes the header and the raw row."""
    if path.exists():
        check_text(path, encoding)
    try:
        handle = path.open(encoding=encoding, newline="")
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found", file=str(path)) from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}", file=str(path)) from exc
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader, [])]
            yield from _records(path, anchor, header, reader, lambda: reader.line_num)
        except UnicodeDecodeError as exc:
            raise SourceError(f"{path}: not {encoding} text: {exc.reason} at byte {exc.start}", file=str(path)) from exc
        except csv.Error as exc:
            raise SourceError(
                f"{path}:{reader.line_num}: malformed CSV: {exc}", file=str(path), line=reader.line_num
            ) from exc


def _records(
    path: Path, anchor: str, header: list[str], rows: Iterable[list[str]], line: Callable[[], int | None]
) -> Iterator[SourceRecord]:
    """Check each row (width, anchor, no anchor twice) and make it a record; ``line`` says where it stood."""
    if anchor not in header:
        raise SourceError(f"{path}: no column {anchor!r} (the anchor) in the header {header}", file=str(path))
    at = header.index(anchor)
    width = len(header)
    # The header personalises every row hash, so a renamed column changes every fingerprint.
    person = hashlib.blake2b("\x1f".join(header).encode(), digest_size=16).digest()
    blake = hashlib.blake2b
    seen: set[str] = set()
    for row in rows:
        if not row:
            continue
        if len(row) != width:
            n = line()
            raise SourceError(f"{path}:{n}: {len(row)} fields, the header has {width}", file=str(path), line=n)
        key = row[at].strip()
        if not key:
            n = line()
            raise SourceError(f"{path}:{n}: empty anchor {anchor!r}", file=str(path), line=n)
        if key in seen:
            n = line()
            raise SourceError(f"{path}:{n}: duplicate anchor {fnr.quoted(key)}", file=str(path), line=n)
        seen.add(key)
        digest = blake("\x1f".join(row).encode(), digest_size=ROW_DIGEST, person=person).hexdigest()
        yield SourceRecord(key, None, digest, partial(_row_attrs, header, row))


def csv_text(path: Path, anchor: str, encoding: str, delimiter: str, settings: str) -> SourceText | None:
    """The CSV file as lines (:class:`SourceText`), or None when its lines are not its records.

    A quoted field may hold a line break, and then one record spans lines: a file with a line of an
    odd number of quotes is read whole every time.
    """
    if path.exists():
        check_text(path, encoding)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found", file=str(path)) from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}", file=str(path)) from exc
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            return None  # a lone carriage return ends a line for the csv module, not for a split
    header, _, body = data.partition(b"\n")
    lines = [line for line in body.split(b"\n") if line]
    if b'"' in data and any(line.count(b'"') % 2 for line in (header, *lines)):
        return None

    def parse(head: bytes, some: Sequence[bytes]) -> Iterator[SourceRecord]:
        try:
            names = [h.strip() for h in next(csv.reader([head.decode(encoding)], delimiter=delimiter), [])]
            text = [line.decode(encoding) for line in some]
            yield from _records(path, anchor, names, csv.reader(text, delimiter=delimiter), lambda: None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SourceError(f"{path}: a changed line does not read: {exc}", file=str(path)) from exc

    return SourceText(settings, header, lines, parse)


def read_json(path: Path, anchor: str) -> Iterator[SourceRecord]:
    """A JSON array of objects, or JSON Lines (one object per line) when the suffix is ``.jsonl``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found", file=str(path)) from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}", file=str(path)) from exc
    items: list[tuple[int, Any]]
    if path.suffix == ".jsonl":
        items = []
        for n, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                try:
                    items.append((n, orjson.loads(line)))
                except orjson.JSONDecodeError as exc:
                    raise SourceError(f"{path}:{n}: not valid JSON: {exc}", file=str(path), line=n) from exc
    else:
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise SourceError(f"{path}: not valid JSON: {exc}", file=str(path)) from exc
        if not isinstance(parsed, list):
            raise SourceError(f"{path}: expected a JSON array of objects", file=str(path))
        items = list(enumerate(parsed, start=1))
    seen: set[str] = set()
    for n, item in items:
        if not isinstance(item, dict):
            raise SourceError(f"{path}: record {n} is not an object", file=str(path))
        key = str(item.get(anchor) or "").strip()
        if not key:
            raise SourceError(f"{path}: record {n} has no anchor {anchor!r}", file=str(path))
        if key in seen:
            raise SourceError(f"{path}: record {n} repeats anchor {fnr.quoted(key)}", file=str(path))
        seen.add(key)
        yield SourceRecord(key, _clean(item))
