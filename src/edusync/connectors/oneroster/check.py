"""Judge OneRoster CSV files by the binding (:mod:`.binding`): headers, values, references, the manifest.

A :class:`Problem` is an *error* (the file breaks the binding: a header typo, a missing required
column or value, a date that is no date) or a *warning* (readable, but not as the binding says:
a reference to a row that is not in the package, a word outside a vocabulary, a date where a
date-time belongs). ``strict`` checking (for the packages edusync writes) makes every deviation an
error and wants each file's header exactly as the binding orders it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from edusync.connectors.oneroster.binding import (
    EXTENSIBLE,
    EXTENSION_PREFIXES,
    FILE_MODES,
    FILES,
    MANIFEST_FILES,
    MANIFEST_REQUIRED,
    VOCABULARIES,
    Column,
)
from edusync.connectors.oneroster.package import Package
from edusync.model.fnr import mask_text

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})")
_LOOSE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?")
_USERID = re.compile(r"\{[^{}:]+:[^{}]*\}")
_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str | None
    message: str
    error: bool = True

    def __str__(self) -> str:
        """``file:line: column C: message``, with anything that may be a fødselsnummer masked (ids, cells)."""
        where = f"{self.file}:{self.line}"
        text = f"{where}: column {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        return mask_text(text)


def split_list(value: str) -> list[str]:
    """A multi-value cell (``"a,b"``, blanks around commas allowed) as its items."""
    return [v.strip() for v in value.split(",") if v.strip()]


@functools.lru_cache(maxsize=1024)  # a package's rows mostly share a handful of stamps
def parse_datetime(value: str) -> dt.datetime | None:
    """A date-time (or a date, read as its midnight UTC) as an aware datetime; None if it is neither."""
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class FileCheck:
    """Checks one file as it streams: the header once, then each row."""

    def __init__(
        self,
        label: str,
        spec: tuple[Column, ...],
        header: list[str],
        *,
        strict: bool,
        delta: bool,
        vocabularies: dict[str, frozenset[str]] = VOCABULARIES,
        booleans: tuple[str, str] = ("true", "false"),
    ) -> None:
        self.label, self.strict, self.delta = label, strict, delta
        self.spec, self.vocabularies, self.booleans = spec, vocabularies, booleans
        name = Path(label).stem
        self.problems: list[Problem] = []
        names = [h.strip() for h in header]
        known = {c.name: c for c in self.spec}
        self.index: dict[str, int] = {}
        for at, name_ in enumerate(names):
            if not name_:
                self.add(1, f"#{at + 1}", "a column without a name")
            elif name_ in self.index:
                self.add(1, name_, "the column appears twice")
            elif name_ in known:
                self.index[name_] = at
            elif not name_.startswith(EXTENSION_PREFIXES):
                near = next((k for k in known if k.lower() == name_.lower()), None)
                hint = f" (the binding spells it {near})" if near else ""
                self.add(1, name_, f"not a column of {name}.csv{hint}")
        for col in self.spec:
            if col.name not in self.index and (col.required or strict):
                self.add(1, col.name, "a required column is missing" if col.required else "the column is missing")
        if strict and not self.problems and names[: len(self.spec)] != [c.name for c in self.spec]:
            self.add(1, None, "the columns are not in the binding's order")
        self.width = len(names)
        #: The binding's columns this file has, with their positions.
        self.present = [(c, self.index[c.name]) for c in self.spec if c.name in self.index]
        # Per column, once: a county's enrollments are 1.5 million rows of ten cells.
        self._plan = [
            (c, at, c.required or (delta and c.name in ("status", "dateLastModified")), c.kind == "text")
            for c, at in self.present
        ]
        self.refs = [(c.name, c.kind.startswith("refs"), c.kind.partition(":")[2])
                     for c, _ in self.present if c.kind.startswith("ref")]  # fmt: skip

    @property
    def header_ok(self) -> bool:
        return not any(p.error for p in self.problems)

    def add(self, line: int, column: str | None, message: str, *, error: bool = True) -> None:
        self.problems.append(Problem(self.label, line, column, message, error or self.strict))

    def row(self, line: int, cells: list[str]) -> dict[str, str]:
        """The row's binding columns by name (stripped); problems are added to :attr:`problems`."""
        if len(cells) != self.width and (self.strict or len(cells) < self.width):
            self.add(line, None, f"{len(cells)} fields, the header has {self.width}")
        out: dict[str, str] = {}
        width = len(cells)
        for col, at, required, plain in self._plan:
            value = cells[at].strip() if at < width else ""
            out[col.name] = value
            if not value:
                if required:
                    self.add(line, col.name, "a required value is empty")
            elif not plain:
                self._value(line, col, value)
        return out

    def _value(self, line: int, col: Column, value: str) -> None:
        kind, _, vocab = col.kind.partition(":")
        if kind == "status":
            if value not in ("active", "tobedeleted"):
                self.add(line, col.name, f"{value!r} is not active or tobedeleted", error=False)
        elif kind == "datetime":
            if not _DATETIME.fullmatch(value):
                loose = _LOOSE_DATETIME.fullmatch(value) or _DATE.fullmatch(value)
                if loose and parse_datetime(value):
                    self.add(line, col.name, f"{value!r} is not an ISO 8601 date-time", error=False)
                else:
                    self.add(line, col.name, f"{value!r} is not a date-time (YYYY-MM-DDThh:mm:ssZ)")
        elif kind == "date":
            if not (_DATE.fullmatch(value) and _is_date(value)):
                self.add(line, col.name, f"{value!r} is not a date (YYYY-MM-DD)")
        elif kind == "year":
            if not _YEAR.fullmatch(value):
                self.add(line, col.name, f"{value!r} is not a year (YYYY)")
        elif kind == "bool":
            if value not in self.booleans:
                self.add(
                    line,
                    col.name,
                    f"{value!r} is not {' or '.join(self.booleans)}",
                    error=value.lower() not in ("true", "false"),
                )
        elif kind in ("enum", "enums"):
            for word in split_list(value) if kind == "enums" else [value]:
                self._word(line, col.name, vocab, word)
        elif kind == "userids":
            items = [v.strip() for v in re.split(r",(?=\s*\{)", value)]
            if not all(_USERID.fullmatch(v) for v in items):
                self.add(line, col.name, f"{value!r} is not a list of {{type:identifier}}")

    def _word(self, line: int, column: str, vocab: str, word: str) -> None:
        if word in self.vocabularies[vocab] or (vocab in EXTENSIBLE and word.startswith("ext:")):
            return
        self.add(line, column, f"{word!r} is not in the binding's vocabulary ({vocab})", error=False)


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


#: The order files are read in, so that a reference can be judged when its row is read.
READ_ORDER = ("orgs", "academicSessions", "courses", "classes", "users", "userProfiles", "roles", "enrollments")


def references(check: FileCheck, row: dict[str, str]) -> Iterable[tuple[str, str, str]]:
    """``(column, target file, id)`` of each reference the row holds."""
    for name, many, target in check.refs:
        value = row[name]
        if value:
            for ref in split_list(value) if many else (value,):
                yield name, target, ref


def check_package(path: Path, *, strict: bool = True) -> list[Problem]:
    """Every problem of the package at ``path`` (a zip or a folder), by the binding of its manifest's version."""
    with Package(path) as pkg:
        label = pkg.label("manifest.csv")
        manifest = pkg.manifest()
        problems = [
            Problem(label, 0, p, "a required property is missing") for p in MANIFEST_REQUIRED if p not in manifest
        ]
        version = manifest.get("oneroster.version", (0, ""))[1]
        if version not in FILES:
            return [*problems, Problem(label, 0, "oneroster.version", f"{version!r} is not 1.1 or 1.2")]
        modes: dict[str, str] = {}
        for name in MANIFEST_FILES[version]:
            line, mode = manifest.get(f"file.{name}", (0, ""))
            if mode not in FILE_MODES:
                problems.append(Problem(label, line, f"file.{name}", f"{mode!r} is not bulk, delta or absent"))
            modes[name] = mode
            if mode in ("bulk", "delta") and not pkg.has(f"{name}.csv"):
                problems.append(Problem(label, line, f"file.{name}", f"{mode} but {name}.csv is not in the package"))
            if mode == "absent" and pkg.has(f"{name}.csv") and strict:
                problems.append(Problem(label, line, f"file.{name}", f"absent but {name}.csv is in the package"))
        ids: dict[str, set[str]] = defaultdict(set)
        dangling: list[tuple[str, int, str, str, str]] = []
        for name in [n for n in READ_ORDER if n in FILES[version]] + [n for n in FILES[version] if n not in READ_ORDER]:
            if modes.get(name) not in ("bulk", "delta") or not pkg.has(f"{name}.csv"):
                continue
            rows = pkg.rows(f"{name}.csv")
            header = next(rows, None)
            check = FileCheck(pkg.label(f"{name}.csv"), FILES[version][name], header[1] if header else [],
                              strict=strict, delta=modes[name] == "delta")  # fmt: skip
            if check.header_ok:
                for line, cells in rows:
                    row = check.row(line, cells)
                    key = row.get("sourcedId") or row.get("userSourcedId", "")
                    if key in ids[name] and "sourcedId" in row:
                        check.add(line, "sourcedId", f"{key!r} appears twice")
                    ids[name].add(key)
                    for column, target, ref in references(check, row):
                        if ref not in ids[target] and modes.get(name) == "bulk":
                            dangling.append((check.label, line, column, target, ref))
            problems += check.problems
        for file, line, column, target, ref in dangling:  # self-references and later files are known only now
            if ref not in ids[target]:
                problems.append(Problem(file, line, column, f"{ref!r} is not in {target}.csv", strict))
        return problems
