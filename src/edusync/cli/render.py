"""Rich tables for run reports, objects and the trash."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

IMPORT_COLS = ("seen", "added", "changed", "unchanged", "gone")
SYNC_COLS = ("projected", "joined", "updated", "filtered", "deprovisioned", "unresolved", "ambiguous_join")
OPS = ("add", "update", "delete", "restore", "archive", "forget")
STYLE = {"done": "green", "blocked": "yellow", "failed": "red", "rejected": "red", "running": "cyan"}


def _section(console: Console, title: str, rows: dict[str, dict[str, int]], cols: tuple[str, ...]) -> None:
    if not rows:
        return
    used = [c for c in cols if any(r.get(c) for r in rows.values())] or list(cols[:1])
    extra = sorted({k for r in rows.values() for k in r} - set(cols))
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for c in [*used, *extra]:
        table.add_column(c, justify="right")
    for subject in sorted(rows):
        table.add_row(subject, *(str(rows[subject].get(c, 0)) for c in [*used, *extra]))
    console.print(table)


def plan_rows(plan: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    out = {}
    for subject, c in plan.items():
        before = c.get("before", 0)
        after = before + c.get("add", 0) + c.get("restore", 0) - c.get("delete", 0) - c.get("forget", 0)
        out[subject] = {"before": before, **{op: c.get(op, 0) for op in OPS}, "after": after}
    return out


def run_report(console: Console, run: dict[str, Any]) -> None:
    status = run["status"]
    mode = " (dry run: nothing sent)" if run.get("dry_run") else ""
    console.print(
        f"[bold]Run {run['id']}[/] profile [cyan]{run['profile']}[/]: [{STYLE.get(status, 'white')}]{status}[/]{mode}"
    )
    counts = run["counts"]
    _section(console, "Import", counts.get("import", {}), IMPORT_COLS)
    _section(console, "Sync", counts.get("sync", {}), SYNC_COLS)
    _section(console, "Lifecycle", counts.get("lifecycle", {}), ())
    plan = plan_rows(counts.get("plan", {}))
    _section(
        console,
        "Targets (planned changes)" if run.get("dry_run") else "Targets",
        plan,
        ("before", *OPS, "after"),
    )
    _section(console, "Sync keys", counts.get("keys", {}), ("appeared", "vanished", "returned"))
    _section(console, "School-year rollover (not counted by the safety filter)", counts.get("rollover", {}), ())
    reconciled = counts.get("reconcile", {})
    _section(console, "Read back from the target", reconciled, ("checked", "changed", "missing", "reconciled"))
    for w in run.get("warnings", [])[:20]:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    for r in run.get("recovered", [])[:20]:
        console.print(f"[dim]recovered (an earlier attempt of this run): {r}[/]", highlight=False)
    for e in run.get("errors", [])[:50]:
        console.print(f"[red]error:[/] {e}", highlight=False)
    block = run.get("block")
    if block and status == "blocked":
        console.print(f"[bold yellow]Blocked by the safety gate[/] ({block['kind']}, at step {block['step']}):")
        for reason in block["reasons"]:
            console.print(f"  - {reason}", highlight=False)
        console.print(
            f"Change set {block['hash'][:12]}. Review with [bold]edusync runs show {run['id']}[/], then "
            f"[bold]edusync approve {run['id']} --expect {block['hash'][:12]}[/] or "
            f"[bold]edusync reject {run['id']}[/]."
        )


def runs_table(console: Console, runs: list[dict[str, Any]]) -> None:
    table = Table(title="Runs", title_justify="left")
    for col in ("id", "profile", "status", "started", "finished", "changes"):
        table.add_column(col)
    for r in runs:
        planned = sum(n for c in r["counts"].get("plan", {}).values() for k, n in c.items() if k != "before")
        status = r["status"] + (" (dry run)" if r["dry_run"] else "")
        table.add_row(
            str(r["id"]),
            r["profile"],
            f"[{STYLE.get(r['status'], 'white')}]{status}[/]",
            r["started_at"],
            r["finished_at"] or "",
            str(planned),
        )
    console.print(table)


def object_view(console: Console, obj: dict[str, Any]) -> None:
    console.print(f"[bold]{obj['type']} {obj['id']}[/]  state [cyan]{obj['state']}[/] since {obj['state_since']}")
    table = Table(title="Attributes and lineage", title_justify="left")
    for col in ("attribute", "value", "source", "rule", "run"):
        table.add_column(col)
    for name, value in obj["attributes"].items():
        lin = obj["lineage"].get(name, {})
        source = f"{lin.get('connector', '')}/{lin.get('object_type', '')}/{lin.get('anchor', '')}" if lin else ""
        table.add_row(name, str(value), source, str(lin.get("rule", "")), str(lin.get("run", "")))
    console.print(table)
    if obj["sources"]:
        console.print("sources: " + ", ".join("/".join(s) for s in obj["sources"]))
    else:
        console.print("[yellow]no source holds this object any more[/]")
    for tgt in obj["targets"]:
        console.print(
            f"in target {tgt['target']} as {tgt['object_type']} {tgt['key']}: {tgt['state']} (run {tgt['run']})"
        )


def count_line(shown: int, total: int, offset: int, what: str, more: str = "--offset") -> str:
    """``showing 51–100 of 164 000 objects; next: --offset 100``: where a page is in the whole."""
    if total == 0 or shown == 0:
        return f"no {what} match" + (f" at offset {offset} (there are {number(total)})" if total else "")
    line = f"showing {number(offset + 1)}–{number(offset + shown)} of {number(total)} {what}"
    if offset + shown < total:
        line += f"; next page: {more} {offset + shown}"
    return line


def number(n: int) -> str:
    """``164 000``: thousands apart by a space, as Norwegian readers write them."""
    return f"{n:,}".replace(",", " ")


def trash_table(console: Console, items: list[dict[str, Any]]) -> None:
    table = Table(title="Trash (disabled) and grace", title_justify="left")
    for col in ("id", "type", "state", "since", "name", "school"):
        table.add_column(col)
    for item in items:
        table.add_row(item["id"], item["type"], item["state"], item["since"], item["name"], item.get("school") or "")
    console.print(table)


def found_table(console: Console, items: list[dict[str, Any]]) -> None:
    table = Table(title="Found", title_justify="left")
    for col in ("id", "type", "state", "name", "feide", "school"):
        table.add_column(col)
    for item in items:
        table.add_row(
            item["id"], item["type"], item["state"], item["name"], item.get("feide") or "", item.get("school") or ""
        )
    console.print(table)


def candidates(console: Console, items: list[dict[str, Any]]) -> None:
    """The objects an ambiguous key fits, to pick one of by its id."""
    table = Table(title="Candidates", title_justify="left")
    for col in ("id", "type", "state", "name", "feide", "school"):
        table.add_column(col, overflow="fold")
    for c in items:
        table.add_row(c["id"], c["type"], c["state"], c["name"], c.get("feide") or "", c.get("school") or "")
    console.print(table)


def changes_table(console: Console, items: list[dict[str, Any]], describe: Any) -> None:
    """A page of planned changes: which target and object, the operation, and before → after."""
    table = Table(title="Planned changes", title_justify="left")
    for col in ("id", "target", "type", "key", "op", "status", "before → after"):
        table.add_column(col, overflow="fold")
    for c in items:
        table.add_row(str(c["id"]), c["target"], c["object_type"], c["key"], c["op"], c["status"], describe(c))
    console.print(table)


def waiting_runs(console: Console, runs: list[dict[str, Any]]) -> None:
    """Under the runs table: each run that waits for a decision, why, and the commands that decide it."""
    for r in runs:
        block = r.get("block") or {}
        if r["status"] != "blocked" or not block or block.get("approved"):
            continue
        console.print(f"[bold yellow]run {r['id']} waits for a decision[/] ({block.get('kind')}):", highlight=False)
        for reason in block.get("reasons", [])[:5]:
            console.print(f"  - {reason}", highlight=False)
        console.print(
            f"  review: edusync runs show {r['id']} --changes; then edusync approve {r['id']} "
            f"--expect {str(block.get('hash', ''))[:12]} or edusync reject {r['id']}",
            highlight=False,
        )


def block_summary(console: Console, run_id: int, block: dict[str, Any]) -> None:
    """What a blocked run would let through, shown before a person approves it in a terminal."""
    console.print(
        f"[bold yellow]Run {run_id} is blocked by the safety gate[/] ({block['kind']}, at step {block['step']}):"
    )
    for reason in block["reasons"]:
        console.print(f"  - {reason}", highlight=False)
    for subject, n in sorted(block.get("lost", {}).items()):
        console.print(f"  {subject}: {n} objects would be marked gone", highlight=False)
    if block.get("target"):
        console.print(f"  target {block['target']}, change set {block.get('change_set_id')}")
    console.print(f"Hash: [bold]{block['hash']}[/]")
