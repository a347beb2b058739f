"""``edusync``: run profiles, read reports, approve or reject blocked runs, inspect objects and the trash."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

import typer

from edusync import __version__
from edusync.cli import render
from edusync.cli.common import (
    CONFIG_OPTION,
    JSON_OPTION,
    Bars,
    actor,
    console,
    err_console,
    handled,
    open_all,
    print_json,
)
from edusync.cli.sandbox import sandbox_app
from edusync.services import objects, runs
from edusync.services.runs import RunMode, RunOutcome

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
runs_app = typer.Typer(help="Run history.", invoke_without_command=True)
trash_app = typer.Typer(help="Objects in grace or in the trash.", invoke_without_command=True)
app.add_typer(runs_app, name="runs")
app.add_typer(trash_app, name="trash")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(__import__("edusync.cli.exams", fromlist=["exams_app"]).exams_app, name="exams")
app.add_typer(__import__("edusync.cli.tokens", fromlist=["tokens_app"]).tokens_app, name="tokens")


class Kind(StrEnum):
    person = "person"
    group = "group"
    membership = "membership"
    organisation = "organisation"


def _finish(outcome: RunOutcome, db: object, as_json: bool) -> None:
    run = runs.get_run(db, outcome.run_id)  # type: ignore[arg-type]
    if as_json:
        print_json(run)
    else:
        render.run_report(console, run)
    raise typer.Exit(outcome.exit_code)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(f"edusync {__version__}")


@app.command()
def run(
    profile: str = typer.Argument(None, help="Profile to run (default: default_profile, else the first)."),
    config: Path = CONFIG_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Compute and store the change sets; send nothing."),
    as_json: bool = JSON_OPTION,
    now: dt.datetime = typer.Option(None, "--now", help="The run's clock (ISO time, UTC), for replays and tests."),
) -> None:
    """Run a profile: import → sync → lifecycle → plan → gate → export. Exit 0 done, 1 failed, 3 blocked."""
    with handled():
        loaded, db = open_all(config)
        clock = now.replace(tzinfo=now.tzinfo or dt.UTC) if now else None
        with Bars(not as_json) as bars:
            mode = RunMode.DRY_RUN if dry_run else RunMode.REAL
            outcome = runs.start(loaded, db, profile, mode=mode, now=clock, actor=actor(), progress=bars)
    _finish(outcome, db, as_json)


@runs_app.callback()
def runs_list(
    ctx: typer.Context,
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
    limit: int = typer.Option(50, help="How many of the newest runs."),
) -> None:
    """List runs, newest first."""
    if ctx.invoked_subcommand:
        return
    with handled():
        _, db = open_all(config, connectors=False)
        items = runs.list_runs(db, limit)
    print_json(items) if as_json else render.runs_table(console, items)


@runs_app.command("show")
def runs_show(run_id: int, config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """One run's report, change sets and audit trail."""
    with handled():
        _, db = open_all(config, connectors=False)
        item = runs.get_run(db, run_id)
    if as_json:
        print_json(item)
        return
    render.run_report(console, item)
    for cs in item["change_sets"]:
        console.print(f"change set {cs['id']} → {cs['target']}: {cs['status']} (hash {cs['hash'][:12]})")
    for a in item["audit"]:
        console.print(f"{a['at']} {a['actor']} {a['action']}")


@app.command()
def approve(
    run_id: int,
    config: Path = CONFIG_OPTION,
    expect: str = typer.Option(None, "--expect", help="The change set hash you reviewed (refused if it differs)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Let exactly the blocked change set of RUN through, and finish the run."""
    with handled():
        loaded, db = open_all(config)
        runs.approve(db, run_id, actor(), expect)
        err_console.print(f"run {run_id} approved by {actor()}; resuming")
        with Bars(not as_json) as bars:
            outcome = runs.resume(loaded, db, run_id, actor=actor(), progress=bars)
    _finish(outcome, db, as_json)


@app.command()
def resume(run_id: int, config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Finish a run that was interrupted or failed, from the step where it stopped."""
    with handled():
        loaded, db = open_all(config)
        with Bars(not as_json) as bars:
            outcome = runs.resume(loaded, db, run_id, actor=actor(), progress=bars)
    _finish(outcome, db, as_json)


@app.command()
def reject(run_id: int, config: Path = CONFIG_OPTION) -> None:
    """Discard the blocked change set of RUN; nothing of it is sent."""
    with handled():
        _, db = open_all(config, connectors=False)
        runs.reject(db, run_id, actor())
    console.print(f"run {run_id} rejected by {actor()}; nothing was sent")


@app.command()
def show(kind: Kind, key: str, config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """An object's attributes, lifecycle state and lineage (KEY: metaverse id or source anchor)."""
    with handled():
        loaded, db = open_all(config, connectors=False)
        obj = objects.show_object(db, loaded.config, kind.value, key)
    print_json(obj) if as_json else render.object_view(console, obj)


@trash_app.callback()
def trash_list(ctx: typer.Context, config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List objects in grace or in the trash."""
    if ctx.invoked_subcommand:
        return
    with handled():
        _, db = open_all(config, connectors=False)
        items = objects.trash(db)
    print_json(items) if as_json else render.trash_table(console, items)


@trash_app.command("list")
def trash_list_cmd(config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List objects in grace or in the trash."""
    with handled():
        _, db = open_all(config, connectors=False)
        items = objects.trash(db)
    print_json(items) if as_json else render.trash_table(console, items)


@trash_app.command("restore")
def trash_restore(key: str, config: Path = CONFIG_OPTION) -> None:
    """Take an object out of the trash; the next run sends it to the targets again."""
    with handled():
        _, db = open_all(config, connectors=False)
        out = objects.restore(db, key, actor())
    console.print(f"restored {out['type']} {out['id']} (was {out['was']}); the next run provisions it")


def main() -> None:
    app()


from edusync.cli import extra, serve  # noqa: E402,F401  (registers init, demo, bench; serve)
