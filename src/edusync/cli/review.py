"""``edusync runs show ID --changes``: a run's planned changes, a page at a time or whole as CSV."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from edusync.cli import render
from edusync.cli.common import console, err_console, handled, open_all, print_json
from edusync.services import changes

#: How much of before → after a table cell shows (the CSV and --json have all of it).
CELL = 160


def describe(change: dict[str, Any]) -> str:
    """The table's before → after: the attributes that change, or what an add sends and a delete takes."""
    return changes.changed_text(change.get("changed") or {}, CELL) or "(no attribute changes)"


def show_changes(
    config: Path | None,
    run_id: int,
    *,
    target: str | None,
    object_type: str | None,
    op: str | None,
    limit: int,
    offset: int,
    csv_to: str | None,
    as_json: bool,
) -> None:
    with handled():
        _, db = open_all(config, connectors=False)
        if csv_to:
            # Unknown runs and targets are refused before a file is made.
            changes.run_changes(db, run_id, target=target, object_type=object_type, op=op, limit=1)
            counter = [0]
            rows = _counted(
                changes.iter_run_changes(db, run_id, target=target, object_type=object_type, op=op), counter
            )
            written = _write_csv(csv_to, changes.csv_rows(rows, changes.RUN_CSV_COLUMNS))
            if csv_to != "-":
                err_console.print(f"wrote {render.number(counter[0])} changes to {written}", highlight=False)
            return
        page = changes.run_changes(
            db, run_id, target=target, object_type=object_type, op=op, limit=limit, offset=offset
        )
    if as_json:
        print_json(page)
        return
    if page["items"]:
        render.changes_table(console, page["items"], describe)
    console.print(render.count_line(len(page["items"]), page["total"], offset, "changes"), highlight=False)


def _counted(rows: Iterator[dict[str, Any]], counter: list[int]) -> Iterator[dict[str, Any]]:
    for row in rows:
        counter[0] += 1
        yield row


def _write_csv(to: str, blocks: Iterator[str]) -> str:
    """Write the CSV blocks (masked already) to stdout (``-``) or a file; the file's path back."""
    if to == "-":
        for block in blocks:
            sys.stdout.write(block)
        sys.stdout.flush()
        return "-"
    path = Path(to)
    with path.open("w", encoding="utf-8", newline="") as out:
        for block in blocks:
            out.write(block)
    return str(path)
