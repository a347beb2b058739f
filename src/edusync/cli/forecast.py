"""``edusync forecast``: what a run on a day would change with no new source data, or a calendar of nights."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from edusync.cli.common import CONFIG_OPTION, JSON_OPTION, actor, console, handled, open_all, print_json
from edusync.errors import FatalError
from edusync.services import forecast as service


def forecast_command(
    date: dt.datetime = typer.Option(None, "--date", formats=["%Y-%m-%d"], help="The day of the run (YYYY-MM-DD)."),
    target: list[str] = typer.Option(None, "--target", help="Only this target (repeat for more)."),
    first: dt.datetime = typer.Option(
        None, "--from", formats=["%Y-%m-%d"], help="A calendar: the first night (YYYY-MM-DD)."
    ),
    last: dt.datetime = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="A calendar: the last night."),
    now: dt.datetime = typer.Option(None, "--now", help="The run's clock (ISO time, UTC) instead of --date at 02:00."),
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """What a run on a day would change without new source data: validity that ends, grace that
    runs out into the trash, trash that is purged, a new school year, and whether the gate would
    block. Nothing is stored or sent. With --from and --to: how many changes each night brings.

    Example: edusync forecast --date 2027-06-21 --target lms
    """
    with handled():
        loaded, db = open_all(config, connectors=False)
        if first is not None or last is not None:
            if first is None or last is None:
                raise FatalError("a calendar needs both --from and --to")
            found = service.calendar_nights(loaded, db, first.date(), last.date(), actor=actor())
            print_json(found) if as_json else _calendar(console, found)
            return
        clock = now.replace(tzinfo=now.tzinfo or dt.UTC) if now else None
        if date is None and clock is None:
            raise FatalError("say which day: --date YYYY-MM-DD (or --from and --to for a calendar)")
        day = date.date() if date else clock.date()
        result = service.forecast_day(loaded, db, day, targets=target or None, now=clock, actor=actor())
    print_json(result) if as_json else _day(console, result)
    if result["blocked"]:
        raise typer.Exit(3)


def _day(out: Console, fc: dict[str, Any]) -> None:
    out.print(f"[bold]Forecast of the run on {fc['date']}[/] (clock {fc['clock']}); nothing was stored or sent")
    for subject, n in sorted(fc["expired"].items()):
        out.print(f"  {subject}: {n} no longer valid")
    for kind, moves in sorted(fc["lifecycle"].items()):
        out.print(f"  {kind}: " + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in sorted(moves.items())))
    for reason in fc["input_reasons"]:
        out.print(f"  [red]input check would block:[/] {escape(reason)}")
    table = Table("target", "adds", "updates", "deletes", "gate")
    for name, t in fc["targets"].items():
        ops = t["ops"]
        gate = "[red]would block[/]" if t["blocked"] else escape(t["paused"]) if t["paused"] else "passes"
        table.add_row(name, str(ops.get("add", 0)), str(ops.get("update", 0)), str(ops.get("delete", 0)), gate)
    out.print(table)
    for name, t in fc["targets"].items():
        for reason in t["reasons"]:
            out.print(f"  [red]{escape(name)}:[/] {escape(reason)}")
        _people(out, f"Who loses {name}", t["losses"])
    _people(out, "Into grace (they keep the targets until it runs out)", fc["leaving"])


def _people(out: Console, title: str, by_school: dict[str, list[dict[str, Any]]]) -> None:
    if not by_school:
        return
    out.print(f"[bold]{escape(title)}[/]")
    for school, people in by_school.items():
        out.print(f"  {escape(school or '(no school)')}: {len(people)}")
        for p in people:
            extra = "  ".join(x for x in (p["feide"], p["nin"]) if x)
            out.print(f"    {escape(p['name'] or p['id'])}  {escape(extra)}", highlight=False)


def _calendar(out: Console, cal: dict[str, Any]) -> None:
    table = Table("night", "changes", "per target", "lose a target", "into grace", "gate")
    for n in cal["nights"]:
        per = ", ".join(f"{k} {v}" for k, v in n["per_target"].items() if v)
        gate = "[red]blocks: " + ", ".join(n["blocked"]) + "[/]" if n["blocked"] else ""
        gate += "".join(f" {escape(t)} paused" for t in n["paused"])
        table.add_row(n["date"], str(n["changes"]), per, str(n["losses"]), str(n["leaving"]), gate)
    out.print(f"[bold]Nights from {cal['from']} to {cal['to']}[/] ({cal['evaluated']} evaluated, {cal['seconds']} s)")
    out.print(table if cal["nights"] else "  nothing changes")
