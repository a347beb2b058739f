"""``edusync revert`` (undo a run at its targets) and ``edusync holds`` (what a revert keeps out of the plans)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from edusync.cli import render
from edusync.cli.common import (
    CONFIG_OPTION,
    JSON_OPTION,
    Bars,
    console,
    err_console,
    handled,
    known_actor,
    open_all,
    print_json,
)
from edusync.services import revert as reverting
from edusync.services import runs

holds_app = typer.Typer(invoke_without_command=True)


def _show(plans: list[dict[str, Any]]) -> None:
    for p in plans:
        counts = ", ".join(f"{ot} {op} {n}" for ot, ops in sorted(p["counts"].items()) for op, n in sorted(ops.items()))
        console.print(f"{escape(p['target'])}: {counts or 'nothing to undo'} (hash {p['hash'][:12]})", highlight=False)
        for r in p["refused"][:20]:
            console.print(f"  refused {escape(r['object_type'])} {escape(r['key'])}: {escape(r['reason'])}",
                          highlight=False)  # fmt: skip
        if len(p["refused"]) > 20:
            console.print(f"  … and {len(p['refused']) - 20} more refused", highlight=False)


def revert(
    run_id: int = typer.Argument(..., help="The run to undo."),
    config: Path = CONFIG_OPTION,
    target: str = typer.Option(None, "--target", help="Only this target (default: every target the run sent to)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be sent and the hash; store and send nothing."
    ),
    only_untouched: bool = typer.Option(
        False, "--only-untouched", help="Skip the objects a later run changed again, instead of refusing the revert."
    ),
    hold: bool = typer.Option(
        False, "--hold", help="Hold what is put back: no run plans a change for it until released."
    ),
    expect: str = typer.Option(
        None, "--expect", help="The hash you reviewed (12 characters at least); asked if not given."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Put the targets back as they were before RUN: re-add what it deleted, restore old values, delete what it added.

    The undo is a change set like any: shown with its hash, judged by the target's thresholds, sent by
    the ordinary export. Objects changed again since are refused (or skipped with --only-untouched). The
    metaverse is not changed, so the next run would redo the change unless the objects are held (--hold).

    Example: edusync revert 12 --target lms --hold --expect 6a0c1e2f9b11
    """
    with handled():
        loaded, db = open_all(config)
        plans = reverting.preview(db, run_id, target)
        if dry_run:
            print_json(plans) if as_json else _show(plans)
            return
        if not as_json:
            _show(plans)
        if expect is None:
            if len(plans) != 1 or not sys.stdin.isatty():
                err_console.print("Name the hash you reviewed: edusync revert ... --expect HASH (see --dry-run).")
                raise typer.Exit(1)
            expect = typer.prompt("Type the first 12 characters of the hash to send it")
        with Bars(not as_json) as bars:
            outcome = reverting.revert(loaded, db, run_id, target=target, only_untouched=only_untouched, hold=hold,
                                       expect=expect, actor=known_actor(), progress=bars)  # fmt: skip
    item = runs.get_run(db, outcome.run_id)
    print_json(item) if as_json else render.run_report(console, item)
    raise typer.Exit(outcome.exit_code)


def _list(config: Path | None, as_json: bool) -> None:
    with handled():
        _, db = open_all(config, connectors=False)
        items = reverting.list_holds(db)
    if as_json:
        print_json(items)
        return
    if not items:
        console.print("Nothing is held.")
    for h in items:
        console.print(f"{escape(h['target'])}/{escape(h['object_type'])} {escape(h['key'])}: held since "
                      f"{h['held_at']} by {escape(h['held_by'])} (revert of run {h['reverted_run']})",
                      highlight=False)  # fmt: skip


@holds_app.callback()
def holds(ctx: typer.Context, config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """The objects a revert holds: no change is planned for them until released.

    Example: edusync holds --json
    """
    if ctx.invoked_subcommand is None:
        _list(config, as_json)


@holds_app.command("list")
def holds_list(config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """The objects held, oldest first, with the revert that holds them (the same as edusync holds).

    Example: edusync holds list --json
    """
    _list(config, as_json)


@holds_app.command("release")
def holds_release(
    key: str = typer.Argument(None, help="A held target key or metaverse id."),
    every: bool = typer.Option(False, "--all", help="Release every hold."),
    config: Path = CONFIG_OPTION,
) -> None:
    """Release a hold: the next run plans the object again (and may redo what the revert undid).

    Example: edusync holds release --all
    """
    if (key is None) == (not every):
        err_console.print("Name one KEY, or --all.")
        raise typer.Exit(2)
    with handled():
        _, db = open_all(config, connectors=False)
        n = reverting.release(db, known_actor(), key, every=every)
    console.print(f"Released {n} hold{'s' if n != 1 else ''}; the next run plans {'them' if n != 1 else 'it'} again.")
