"""``edusync schedule``: the coming starts of every profile, and ``schedule tick``, which makes the due ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from edusync.cli.common import CONFIG_OPTION, JSON_OPTION, Bars, console, find_config, handled, open_all, print_json
from edusync.cli.main import app
from edusync.config.loader import load_config
from edusync.services import schedules

schedule_app = typer.Typer(invoke_without_command=True)
app.add_typer(schedule_app, name="schedule")

NOW_OPTION = typer.Option(None, "--now", help="Take this as the time (ISO, UTC): to see a coming day, or in tests.")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now.replace(tzinfo=now.tzinfo or dt.UTC) if now else dt.datetime.now(dt.UTC)


@schedule_app.callback()
def upcoming(
    ctx: typer.Context,
    config: Path = CONFIG_OPTION,
    days: int = typer.Option(14, min=1, max=366, help="How many days ahead."),
    now: dt.datetime = NOW_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """When profiles start by themselves: every start in the coming two weeks, why one is skipped, which target pauses.

    The schedules are the config's schedules: section (docs/scheduling.md).

    Example: edusync schedule --days 7
    """
    if ctx.invoked_subcommand:
        return
    with handled():
        loaded = load_config(find_config(config), require_env=False)
        rows = schedules.upcoming(loaded.config, _now(now), days)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No profile has a schedule (see schedules: in docs/scheduling.md).")
        return
    table = Table("when (local)", "profile", "what happens")
    for row in rows:
        what = row["skipped"] or "runs"
        if row["paused_targets"] and not row["skipped"]:
            what += "; " + "; ".join(f"{t} {why}" for t, why in row["paused_targets"].items())
        table.add_row(row["local"][:16].replace("T", " "), row["profile"], what)
    console.print(table)


@schedule_app.command("tick")
def tick(config: Path = CONFIG_OPTION, now: dt.datetime = NOW_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Start every profile whose scheduled start is due, once; call it from cron or a timer every few minutes.

    A start missed while the machine was down runs once; a start that passed while a run was going is not made.
    Then it mails the operators about a target with no successful run for notify.stale_after_days, once per
    stale period (docs/daemon.md). "edusync daemon" makes these ticks by itself.
    Exit 0 when every run started is done (or none was due), 1 when one failed, 3 when one was blocked.

    From cron: */5 * * * * edusync schedule tick --config /etc/edusync/edusync.yaml

    Example: edusync schedule tick --json
    """
    with handled():
        loaded, db = open_all(config)
        with Bars(not as_json) as bars:
            results = schedules.tick(loaded, db, _now(now), progress=bars)
    if as_json:
        print_json([r.as_dict() for r in results])
    else:
        for r in results:
            local = r.start.local.isoformat(timespec="minutes")
            done = f"run {r.run_id} (exit {r.exit_code})" if r.run_id is not None else f"not started: {r.skipped}"
            console.print(f"{r.profile}, due {local}: {done}")
        if not results:
            console.print("Nothing is due.")
    codes = {r.exit_code for r in results if r.exit_code}
    raise typer.Exit(1 if 1 in codes else max(codes, default=0))  # a failure outranks a block
