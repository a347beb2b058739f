"""``edusync trash``: objects in grace or the trash, filtered and paged in the database; restore one, many or all."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from edusync.cli import render
from edusync.cli.common import (
    CONFIG_OPTION,
    JSON_OPTION,
    console,
    err_console,
    handled,
    known_actor,
    open_all,
    print_json,
)
from edusync.config.loader import LoadedConfig
from edusync.services import objects, trash
from edusync.storage import Database

# Its help is its callback's docstring (what the bare command does, and its example).
trash_app = typer.Typer(invoke_without_command=True)


class TrashType(StrEnum):
    person = "person"
    group = "group"
    membership = "membership"
    organisation = "organisation"


class TrashState(StrEnum):
    grace = "grace"
    disabled = "disabled"


TYPE_OPTION = typer.Option(None, "--type", help="Only this kind of object.")
STATE_OPTION = typer.Option(None, "--state", help="Only those in grace, or only those in the trash (disabled).")
SCHOOL_OPTION = typer.Option(
    None, "--school", help="Only this school's (any identifier of it: id, number, name); memberships by their group."
)
SINCE_OPTION = typer.Option(None, "--since", help="Only those that got there on or after this day (YYYY-MM-DD).")
LIMIT_OPTION = typer.Option(50, "--limit", help="How many on this page (1–500).")
OFFSET_OPTION = typer.Option(
    0, "--offset", help="Skip this many first (the count line says where the next page starts)."
)


def _filters(
    loaded: LoadedConfig,
    db: Database,
    kind: TrashType | None,
    state: TrashState | None,
    school: str | None,
    since: str | None,
) -> trash.TrashFilter:
    """The filters as the service takes them, the school found by any identifier it has."""
    return trash.TrashFilter(
        object_type=kind.value if kind else None,
        state=state.value if state else None,
        school=objects.find_id(db, loaded.config, "organisation", school) if school else None,
        since=since,
    )


def _list(
    config: Path | None,
    as_json: bool,
    kind: TrashType | None,
    state: TrashState | None,
    school: str | None,
    since: str | None,
    limit: int,
    offset: int,
) -> None:
    with handled():
        loaded, db = open_all(config, connectors=False)
        where = _filters(loaded, db, kind, state, school, since)
        page = trash.list_trash(db, where, limit=limit, offset=offset)
        total = trash.count_trash(db, where)
    if as_json:
        print_json(page.as_dict() | {"total": total})
        return
    if page.items:
        render.trash_table(console, page.items)
    console.print(render.count_line(len(page.items), total, offset, "objects"), highlight=False)


@trash_app.callback()
def trash_default(
    ctx: typer.Context,
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
    kind: TrashType = TYPE_OPTION,
    state: TrashState = STATE_OPTION,
    school: str = SCHOOL_OPTION,
    since: str = SINCE_OPTION,
    limit: int = LIMIT_OPTION,
    offset: int = OFFSET_OPTION,
) -> None:
    """Objects in grace or in the trash: list them, 50 at a time, with how many there are; restore them.

    Example: edusync trash --type membership --school 10003 --since 2026-08-01 --offset 50
    """
    if ctx.invoked_subcommand:
        return
    _list(config, as_json, kind, state, school, since, limit, offset)


@trash_app.command("list")
def trash_list(
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
    kind: TrashType = TYPE_OPTION,
    state: TrashState = STATE_OPTION,
    school: str = SCHOOL_OPTION,
    since: str = SINCE_OPTION,
    limit: int = LIMIT_OPTION,
    offset: int = OFFSET_OPTION,
) -> None:
    """List objects in grace or in the trash (as edusync trash does).

    Example: edusync trash list --type person --json
    """
    _list(config, as_json, kind, state, school, since, limit, offset)


@trash_app.command("restore")
def trash_restore(
    keys: list[str] = typer.Argument(None, help="The ids of the objects to restore (as edusync trash lists them)."),
    everything: bool = typer.Option(False, "--all", help="Restore every object the filters match (asks first)."),
    kind: TrashType = TYPE_OPTION,
    state: TrashState = STATE_OPTION,
    school: str = SCHOOL_OPTION,
    since: str = SINCE_OPTION,
    yes: bool = typer.Option(False, "--yes", "-y", help="With --all: do not ask."),
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Take objects out of the trash; the next run sends them to the targets again.

    By id, or everything the filters match with --all (it asks first; --yes does not):
    edusync trash restore --all --type person --school 10003

    Example: edusync trash restore per-1a2b3c4d5e6f7a8b grp-0f1e2d3c4b5a6978
    """
    filtered = any(v is not None for v in (kind, state, school, since))
    if keys and (everything or filtered):
        err_console.print("[bold red]error:[/] name objects, or give --all with filters; not both")
        raise typer.Exit(2)
    if not keys and not everything:
        err_console.print("[bold red]error:[/] name the objects to restore, or give --all (with filters to narrow it)")
        raise typer.Exit(2)
    with handled():
        loaded, db = open_all(config, connectors=False)
        who = known_actor()
        if keys:
            out = trash.restore_many(db, keys, who)
        else:
            out = _restore_all(db, who, _filters(loaded, db, kind, state, school, since), yes)
    if as_json:
        print_json(out)
    else:
        _report(out)
    if out.get("refused"):
        raise typer.Exit(1)


def _restore_all(db: Database, who: str, where: trash.TrashFilter, yes: bool) -> dict[str, Any]:
    total = trash.count_trash(db, where)
    if total == 0:
        return {"restored": 0, "by_type": {}, "run_id": None}
    if not yes:
        typer.confirm(
            f"Restore {render.number(total)} objects ({where.described()})? The next run provisions them",
            abort=True,
            err=True,
        )
    return trash.restore_matching(db, who, where)


def _report(out: dict[str, Any]) -> None:
    if isinstance(out["restored"], int):
        by_type = ", ".join(f"{render.number(n)} {t}" for t, n in sorted(out["by_type"].items()))
        if not out["restored"]:
            console.print("nothing in grace or the trash matches; nothing was restored")
            return
        console.print(
            f"restored {render.number(out['restored'])} objects ({by_type}) as run {out['run_id']}; "
            "the next run provisions them",
            highlight=False,
        )
        return
    for r in out["restored"]:
        console.print(f"restored {r['type']} {r['id']} (was {r['was']}); the next run provisions it", highlight=False)
    for r in out["refused"]:
        err_console.print(f"[bold red]not restored:[/] {r['id']}: {r['reason']}", highlight=False)
