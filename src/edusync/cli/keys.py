"""``edusync keys`` (rotate, status) and ``edusync audit``: the keys that seal national ids, and who did what."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from edusync import vault
from edusync.cli.common import CONFIG_OPTION, JSON_OPTION, console, handled, known_actor, open_all, print_json
from edusync.cli.main import app
from edusync.errors import KeyUnavailable
from edusync.services import audit as audit_log
from edusync.services import keys

keys_app = typer.Typer(help="The keys that seal national ids at rest.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def rotate(
    config: Path = CONFIG_OPTION,
    new: bool = typer.Option(True, "--new/--no-new", help="Add a new key to the key file first (default)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Seal everything stored again with the newest key; old keys stay readable until it has finished.

    With keys from $EDUSYNC_KEYS, put the new key there (last) yourself and use --no-new.

    Example: edusync keys rotate
    """
    with handled():
        loaded, db = open_all(config, connectors=False)
        result = keys.rotate(loaded, db, known_actor(), new_key=new)
    if as_json:
        print_json(result)
        return
    console.print(f"sealing with key {result['key']}" + (" (new)" if result["added"] else ""))
    for table, n in result["rows"].items():
        console.print(f"  {table}: {n} rows sealed anew")
    for path, n in result["state_files"].items():
        console.print(f"  {path}: {n} records sealed anew")
    if result["no_longer_used"]:
        console.print(
            "no longer used: " + ", ".join(result["no_longer_used"]) + " — remove them from the key file once no "
            "backup of the database needs them"
        )


@keys_app.command("new")
def new_file(path: Path = typer.Argument(..., help="Where to write the key file (refused if it exists).")) -> None:
    """Make a key file: a join secret and one data key, readable by you only (mode 600).

    Example: edusync keys new /etc/edusync/edusync.keys
    """
    with handled():
        if path.exists():
            raise KeyUnavailable(f"{path} exists; a key file is never overwritten (its keys open what is stored)")
        vault.create_key_file(path)
    console.print(f"wrote {path}; name it in storage.key_file or $EDUSYNC_KEY_FILE, and keep it apart from backups")


@keys_app.command("status")
def status(config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Which keys are set (ids only), which one seals new values, and how many stored rows use each.

    Example: edusync keys status --json
    """
    with handled():
        loaded, db = open_all(config, connectors=False)
        result = keys.status(loaded, db)
    if as_json:
        print_json(result)
        return
    console.print(f"keys from {result['origin']}; new values sealed with {result['current']}")
    console.print(f"join secret: {'set' if result['join_secret'] else 'NOT SET'}")
    for kid in result["keys"]:
        console.print(f"  {kid}: {result['in_use'].get(kid, 0)} rows")
    for kid in result["unknown"]:
        console.print(f"  [red]{kid}: {result['in_use'][kid]} rows sealed with a key that is not set[/]")


@app.command("audit")
def audit(
    config: Path = CONFIG_OPTION,
    since: str = typer.Option(None, "--since", help="From this date or time on (2026-12-01, 2026-12-01T06:00)."),
    action: str = typer.Option(None, "--action", help=f"Only this action: {', '.join(audit_log.ACTIONS)}."),
    limit: int = typer.Option(100, "--limit", min=1, help="How many of the newest entries."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The audit log, newest first: exports, grade exports, approvals, rejections, restores, key rotations.

    Example: edusync audit --since 2026-12-01 --action approve
    """
    with handled():
        _, db = open_all(config, connectors=False)
        items = audit_log.entries(db, since=since, action=action, limit=limit)
    if as_json:
        print_json(items)
        return
    table = Table(title="Audit log", title_justify="left")
    for col in ("at", "actor", "action", "run", "change set", "detail"):
        table.add_column(col)
    for e in items:
        detail = ", ".join(f"{k}={v}" for k, v in e["detail"].items() if v not in (None, "", [], {}))
        table.add_row(e["at"], e["actor"], e["action"], str(e["run_id"] or ""), str(e["change_set_id"] or ""), detail)
    console.print(table)
