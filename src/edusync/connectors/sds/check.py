"""Judge an SDS v2.1 package (a zip or a folder) by :mod:`.binding`: headers, values and references.

The same checks as OneRoster's (:class:`edusync.connectors.oneroster.check.FileCheck`) with SDS's
tables: its headers are case-sensitive, booleans are ``TRUE``/``FALSE``, and there is no manifest.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from edusync.connectors.oneroster.check import FileCheck, Problem, references
from edusync.connectors.sds.binding import FILES, REQUIRED_FILES, VOCABULARIES

_ORDER = ("orgs", "academicSessions", "courses", "users", "classes", "roles", "enrollments", "relationships")


def _rows(path: Path, name: str) -> Iterator[tuple[int, list[str]]] | None:
    if path.is_dir():
        file = path / name
        if not file.exists():
            return None
        text = file.read_text(encoding="utf-8-sig")
    else:
        with zipfile.ZipFile(path) as zf:
            if name not in zf.namelist():
                return None
            text = zf.read(name).decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    return ((reader.line_num, cells) for cells in reader if cells)


def check_package(path: Path, *, strict: bool = True) -> list[Problem]:
    """Every problem of the SDS package at ``path``; ``strict`` wants each header exactly as the binding orders it."""
    problems: list[Problem] = []
    ids: dict[str, set[str]] = defaultdict(set)
    pending: list[tuple[str, int, str, str, str]] = []
    for name in _ORDER:
        rows = _rows(path, f"{name}.csv")
        if rows is None:
            if name in REQUIRED_FILES:
                problems.append(Problem(f"{path}/{name}.csv", 0, None, "a required file is missing"))
            continue
        header = next(rows, (1, []))[1]
        check = FileCheck(f"{path}/{name}.csv", FILES[name], header, strict=strict, delta=False,
                          vocabularies=VOCABULARIES, booleans=("TRUE", "FALSE"))  # fmt: skip
        if check.header_ok:
            for line, cells in rows:
                row = check.row(line, cells)
                if "sourcedId" in row:
                    if row["sourcedId"] in ids[name]:
                        check.add(line, "sourcedId", f"{row['sourcedId']!r} appears twice")
                    ids[name].add(row["sourcedId"])
                pending += [(check.label, line, col, target, ref) for col, target, ref in references(check, row)]
        problems += check.problems
    for file, line, column, target, ref in pending:
        if ref not in ids[target]:
            problems.append(Problem(file, line, column, f"{ref!r} is not in {target}.csv", strict))
    return problems
