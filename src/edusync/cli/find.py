"""``edusync find``: persons and groups by any identifier or a part of a name, as the console's search."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from edusync.cli import render
from edusync.cli.common import CONFIG_OPTION, JSON_OPTION, console, err_console, handled, open_all, print_json
from edusync.cli.main import app
from edusync.model.fnr import quoted
from edusync.services import people


class FindType(StrEnum):
    person = "person"
    group = "group"
    organisation = "organisation"


@app.command()
def find(
    text: str = typer.Argument(
        ..., help="An id, a source anchor or its last segment, a Feide name, or part of a name."
    ),
    object_type: FindType = typer.Option(None, "--type", help="Only persons, groups or organisations."),
    limit: int = typer.Option(20, "--limit", help="How many at most (1–500)."),
    cursor: str = typer.Option(None, "--cursor", help="Go on after the page before (it prints the cursor)."),
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Find persons and groups: the console's search. Exit 1 when nothing matches.

    A national id is not searched here; edusync show person ID finds one through its keyed hash.

    Example: edusync find "nordmann" --type person
    """
    with handled():
        loaded, db = open_all(config, connectors=False)
        kind = object_type.value if object_type else None
        page = people.search(db, text, object_type=kind, limit=limit, cursor=cursor, config=loaded.config)
    if as_json:
        print_json(page.as_dict())
    elif page.items:
        render.found_table(console, page.items)
        if page.next_cursor:
            console.print(f"more match: add --cursor {page.next_cursor} (or narrow the text)", highlight=False)
    if not page.items:
        err_console.print(f"nothing matches {escape(quoted(text))}", highlight=False)
        raise typer.Exit(1)
