"""edusync: run profiles, read reports, approve or reject blocked runs, inspect objects and the trash.

Example: edusync run --dry-run
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from edusync import __version__
from edusync.cli import logs, render
from edusync.cli import review as review_cli
from edusync.cli.common import (
    CONFIG_OPTION,
    JSON_OPTION,
    Bars,
    actor,
    console,
    err_console,
    handled,
    known_actor,
    open_all,
    print_json,
)
from edusync.cli.sandbox import sandbox_app
from edusync.cli.trash import trash_app
from edusync.errors import AmbiguousKey, HashTooShort
from edusync.model.fnr import mask_text
from edusync.services import objects, runs
from edusync.services.runs import RunMode, RunOutcome

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
# Their help is their callbacks' docstrings (what the bare command does, and its example).
runs_app = typer.Typer(invoke_without_command=True)
app.add_typer(runs_app, name="runs")
app.add_typer(trash_app, name="trash")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(__import__("edusync.cli.exams", fromlist=["exams_app"]).exams_app, name="exams")
app.add_typer(__import__("edusync.cli.tokens", fromlist=["tokens_app"]).tokens_app, name="tokens")
app.add_typer(__import__("edusync.cli.users", fromlist=["users_app"]).users_app, name="users")
app.add_typer(__import__("edusync.cli.revert", fromlist=["holds_app"]).holds_app, name="holds")
app.command()(__import__("edusync.cli.revert", fromlist=["revert"]).revert)
app.command(name="forecast")(__import__("edusync.cli.forecast", fromlist=["forecast_command"]).forecast_command)


class ChangeOp(StrEnum):
    add = "add"
    update = "update"
    delete = "delete"


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


@app.callback()
def _logging(
    log_level: logs.Level = typer.Option(
        None,
        "--log-level",
        envvar="EDUSYNC_LOG_LEVEL",
        help="debug, info, warning or error (default: info when stderr is not a terminal, else warning).",
        show_default=False,
    ),
    log_format: logs.Format = typer.Option(
        logs.Format.text, "--log-format", envvar="EDUSYNC_LOG_FORMAT", help="text, or json: one JSON object a line."
    ),
    log_file: Path = typer.Option(
        None, "--log-file", envvar="EDUSYNC_LOG_FILE", help="Append log lines to this file instead of stderr."
    ),
    progress_interval: float = typer.Option(
        logs.PROGRESS_INTERVAL,
        "--progress-interval",
        envvar="EDUSYNC_PROGRESS_INTERVAL",
        min=0,
        metavar="SECONDS",
        help="Seconds between progress lines per task, where no bar can be shown.",
    ),
) -> None:
    logs.setup(log_level, log_format, log_file, progress_interval)


@app.command()
def version() -> None:
    """Print the version.

    Example: edusync version
    """
    console.print(f"edusync {__version__}")


@app.command()
def run(
    profile: str = typer.Argument(None, help="Profile to run (default: default_profile, else the first)."),
    config: Path = CONFIG_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Compute and store the change sets; send nothing."),
    as_json: bool = JSON_OPTION,
    now: dt.datetime = typer.Option(None, "--now", help="The run's clock (ISO time, UTC), for replays and tests."),
    full: bool = typer.Option(
        False, "--full", help="Read every source in full: no skip of an unchanged source, deltas read whole."
    ),
) -> None:
    """Run a profile: import → sync → lifecycle → plan → gate → export. Exit 0 done, 1 failed, 3 blocked.

    Where no progress bar can be shown (cron, a pipe, --json), progress is logged every few seconds.

    Example: edusync run nightly --dry-run
    """
    with handled():
        loaded, db = open_all(config)
        clock = now.replace(tzinfo=now.tzinfo or dt.UTC) if now else None
        with Bars(not as_json) as bars:
            mode = RunMode.DRY_RUN if dry_run else RunMode.REAL
            outcome = runs.start(loaded, db, profile, mode=mode, now=clock, actor=actor(), progress=bars, full=full)
    _finish(outcome, db, as_json)


@runs_app.callback()
def runs_list(
    ctx: typer.Context,
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
    limit: int = typer.Option(50, help="How many of the newest runs."),
    status: str = typer.Option(
        None,
        "--status",
        help=f"Only runs in this state ({', '.join(runs.STATUSES)}); blocked ones wait for a decision.",
    ),
) -> None:
    """Run history: list runs, newest first (edusync runs show ID for one).

    Example: edusync runs --status blocked
    """
    if ctx.invoked_subcommand:
        return
    with handled():
        _, db = open_all(config, connectors=False)
        items = runs.list_runs(db, limit, status=status)
    if as_json:
        print_json(items)
        return
    render.runs_table(console, items)
    render.waiting_runs(console, items)


@runs_app.command("show")
def runs_show(
    run_id: int,
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
    changes: bool = typer.Option(False, "--changes", help="List the planned changes, a page at a time."),
    target: str = typer.Option(None, "--target", help="With --changes: only this target's change set."),
    object_type: str = typer.Option(None, "--type", help="With --changes: only this target object type."),
    op: ChangeOp = typer.Option(None, "--op", help="With --changes: only adds, updates or deletes."),
    limit: int = typer.Option(50, "--limit", help="With --changes: changes per page (1–500)."),
    offset: int = typer.Option(0, "--offset", help="With --changes: skip this many first."),
    csv_to: str = typer.Option(
        None, "--csv", help="With --changes: write every matching change (not a page) as CSV to FILE, or - for stdout."
    ),
) -> None:
    """One run's report, change sets and audit trail; --changes lists what it plans, before → after.

    Example: edusync runs show 7 --changes --type person --op delete --limit 20
    """
    if changes or csv_to:
        kind = op.value if op else None
        filters = {"target": target, "object_type": object_type, "op": kind}
        review_cli.show_changes(config, run_id, **filters, limit=limit, offset=offset, csv_to=csv_to, as_json=as_json)
        return
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
    if item["change_sets"]:
        console.print(f"the changes themselves: edusync runs show {run_id} --changes", highlight=False)


@app.command()
def approve(
    run_id: int,
    config: Path = CONFIG_OPTION,
    expect: str = typer.Option(
        None,
        "--expect",
        help="The hash you reviewed: whole, or its first 12 characters at least (refused if it differs).",
    ),
    reason: str = typer.Option("", "--reason", help="Why you let it through; kept in the audit log."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Let exactly the blocked change set of RUN through, and finish the run.

    Without --expect, the block is shown and you type its hash (only in a terminal).

    Example: edusync approve 3 --expect 6a0c1e2f9b11 --reason "the pupils did leave"
    """
    with handled():
        loaded, db = open_all(config)
        who = known_actor()
        if expect is None:
            expect = _confirm_interactively(db, run_id)
        runs.approve(db, run_id, who, expect, reason)
        err_console.print(f"run {run_id} approved by {who}; resuming")
        with Bars(not as_json) as bars:
            outcome = runs.resume(loaded, db, run_id, actor=who, progress=bars)
    _finish(outcome, db, as_json)


def _confirm_interactively(db: object, run_id: int) -> str:
    """Show what the block would let through and ask for its hash; refuse where nobody can answer."""
    block = runs.blocked(db, run_id)  # type: ignore[arg-type]
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise HashTooShort(
            run_id,
            "",
            runs.MIN_EXPECT,
            f"run {run_id}: give --expect with the hash you reviewed (`edusync runs show {run_id}` shows it)",
        )
    render.block_summary(console, run_id, block)
    return str(typer.prompt("Type the hash you reviewed (12 characters at least) to approve it"))


@app.command()
def resume(run_id: int, config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Finish a run that was interrupted or failed, from the step where it stopped.

    Example: edusync resume 3
    """
    with handled():
        loaded, db = open_all(config)
        with Bars(not as_json) as bars:
            outcome = runs.resume(loaded, db, run_id, actor=actor(), progress=bars)
    _finish(outcome, db, as_json)


@app.command()
def reject(
    run_id: int,
    config: Path = CONFIG_OPTION,
    reason: str = typer.Option("", "--reason", help="Why; kept in the audit log."),
) -> None:
    """Discard the blocked change set of RUN; nothing of it is sent.

    Example: edusync reject 3 --reason "FINT lost its elevforhold; FINT's team is on it"
    """
    with handled():
        _, db = open_all(config, connectors=False)
        who = known_actor()
        runs.reject(db, run_id, who, reason)
    console.print(f"run {run_id} rejected by {who}; nothing was sent")


@app.command()
def show(kind: Kind, key: str, config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """An object's attributes, lifecycle state and lineage.

    KEY is any identifier the object has: its metaverse id, a source anchor in full or its last
    segment (a bare FINT systemId), a Feide name or another identifier, a national id (found through
    its keyed hash), or a name. A key that fits several objects lists them and exits 1.

    Example: edusync show person ola.nordmann@vgs.fylke.no
    """
    with handled():
        loaded, db = open_all(config, connectors=False)
        try:
            obj = objects.show_object(db, loaded.config, kind.value, key)
        except AmbiguousKey as exc:
            # Listed here rather than in the message: the message's masking would cut digits out of the ids.
            header = str(exc).splitlines()[0]
            err_console.print(f"[bold red]error:[/] {escape(mask_text(header))}", highlight=False)
            print_json({"candidates": exc.candidates}) if as_json else render.candidates(err_console, exc.candidates)
            raise typer.Exit(1) from None
    print_json(obj) if as_json else render.object_view(console, obj)


def main() -> None:
    app()


from edusync.cli import daemon, explain, extra, find, keys, schedule, serve  # noqa: E402,F401  (registers daemon; explain; init, demo, bench; find; keys, audit; schedule; serve)
