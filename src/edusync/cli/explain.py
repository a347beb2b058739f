"""``edusync explain``: why an object is (or is not) in a target, stage by stage, on one page."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.rule import Rule
from rich.table import Table

from edusync.cli import render
from edusync.cli.common import CONFIG_OPTION, JSON_OPTION, actor, console, err_console, handled, open_all, print_json
from edusync.cli.main import app
from edusync.errors import AmbiguousKey
from edusync.model.fnr import mask_text
from edusync.services.explain import explain as explain_object


class ExplainType(StrEnum):
    person = "person"
    group = "group"
    membership = "membership"


def _mark(passed: bool) -> str:
    return "[green]✓[/]" if passed else "[red]✗[/]"


def _verdicts(out: Console, verdicts: list[dict[str, Any]], indent: str = "  ") -> None:
    for v in verdicts:
        out.print(f"{indent}{_mark(v['passed'])} {escape(v['reason'])}", highlight=False)


def render_page(out: Console, page: dict[str, Any]) -> None:
    """The explanation as one page: the answer first, then each stage in the order a run takes them."""
    title = page.get("name") or page["key"]
    out.print(Rule(f"explain {page['type']} {escape(str(title))}"))
    for line in page["summary"]:
        out.print(f"• {escape(line)}", highlight=False)
    out.print(Rule("1. source records", style="dim"))
    if not page["sources"]:
        out.print("  no record in the connector space has this key", highlight=False)
    for rec in page["sources"]:
        out.print(f"  [bold]{escape(rec['connector'])}/{escape(rec['object_type'])}[/] {escape(rec['anchor'])} "
                  f"({rec['state']}, seen in run {rec['seen_run']})", highlight=False)  # fmt: skip
        _verdicts(out, rec["verdicts"], "    ")
        out.print(f"    → {escape(rec['link'])}", highlight=False)
    for trace in page["source_trace"]:
        out.print(Rule(f"2. import criteria at the source ({trace['connector']})", style="dim"))
        if trace.get("error"):
            out.print(f"  [red]could not read it:[/] {escape(trace['error'])}", highlight=False)
            continue
        for role in trace["roles"]:
            gives = ", ".join(role["roles"]) or "no role"
            out.print(f"  [bold]{role['kind']} {escape(role['id'])}[/] → {escape(gives)}", highlight=False)
            _verdicts(out, role["verdicts"], "    ")
        v = trace["verdict"]
        out.print(f"  {_mark(v['passed'])} {escape(v['reason'])} (judged on {trace['day']})", highlight=False)
    if page.get("lifecycle"):
        out.print(Rule("3. lifecycle", style="dim"))
        _verdicts(out, [page["lifecycle"]])
    for t in page["targets"]:
        out.print(Rule(f"4. target {t['target']} ({t['object_type']})", style="dim"))
        _verdicts(out, t["verdicts"])
        sent = t["sent"]
        if sent:
            out.print(f"  last sent: run {sent['run']} at {sent['at'] or '?'}, held there as {sent['state']}",
                      highlight=False)  # fmt: skip
        else:
            out.print("  never sent there", highlight=False)
        if t["changes"]:
            table = Table("run", "op", "status", "attempts", "reason", box=None, padding=(0, 1))
            for c in t["changes"]:
                table.add_row(str(c["run"]), c["op"], c["status"], str(c["attempts"]), escape(c["error"] or ""))
            out.print(table)
        out.print(f"  → {escape(t['stand'])}", highlight=False)


@app.command()
def explain(
    kind: ExplainType,
    key: str = typer.Argument(..., help="Any identifier the object has (as edusync show takes), or a national id."),
    target: str = typer.Option(None, "--target", help="Only this target (default: every target)."),
    source: bool = typer.Option(
        True, "--source/--no-source", help="Ask the FINT source itself which criteria a person meets (a full read)."
    ),
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Why an object is (not) in a target: its source records and each import criterion they met or
    failed, the join or projection, its lifecycle state and since when, the target's scope rules,
    what was last sent there and when, and what waits or failed with the target's reason.

    KEY is any identifier (metaverse id, source anchor or its last segment, Feide name, name, or a
    national id, matched through the keyed hash and never printed). A person the metaverse lacks is
    looked for in the connector space and, with --source, in FINT. Exit 1 when nothing has the key.

    Example: edusync explain person ola.nordmann@vgs.fylke.no --target lms
    """
    with handled():
        loaded, db = open_all(config, connectors=source)
        try:
            page = explain_object(db, loaded, kind.value, key, target=target, read_source=source, actor=actor())
        except AmbiguousKey as exc:
            err_console.print(f"[bold red]error:[/] {escape(mask_text(str(exc).splitlines()[0]))}", highlight=False)
            print_json({"candidates": exc.candidates}) if as_json else render.candidates(err_console, exc.candidates)
            raise typer.Exit(1) from None
    print_json(page) if as_json else render_page(console, page)
    traced = any(t.get("roles") for t in page["source_trace"])
    if not page["found"] and not page["sources"] and not traced:
        raise typer.Exit(1)
