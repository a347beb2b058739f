"""``edusync tokens``: bearer tokens for the HTTP APIs (made, listed, revoked)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from edusync.cli.common import CONFIG_OPTION, JSON_OPTION, actor, console, err_console, handled, open_all, print_json
from edusync.services import tokens

tokens_app = typer.Typer(help="Bearer tokens for the groups API (stored hashed).", no_args_is_help=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@tokens_app.command("create")
def create(
    scope: list[str] = typer.Option(..., "--scope", help=f"A scope (repeat for more): {', '.join(tokens.SCOPES)}."),
    user: str = typer.Option(None, "--user", help="Act for this Feide name (user@realm): what /me means."),
    expires_in: str = typer.Option(None, "--expires-in", help="Expire after e.g. 30d, 12h, 2w (default: never)."),
    name: str = typer.Option(None, "--name", help="A label to recognise the token by."),
    force: bool = typer.Option(False, "--force", help="Make it even if no person has the --user's Feide name."),
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Make a token and print it once; edusync keeps only its SHA-256.

    A --user no person has is refused (a typo would give an empty /me), unless --force.

    Example: edusync tokens create --scope groups-edu --user ola.nordmann@fylke.no --expires-in 30d
    """
    with handled():
        duration = tokens.parse_duration(expires_in) if expires_in else None
        _, db = open_all(config, connectors=False)
        plain, token = tokens.create(
            db, scope, actor=actor(), user=user, expires_in=duration, name=name, require_person=not force
        )
    if as_json:
        print_json({**token.as_dict(_now()), "token": plain})
        return
    err_console.print(
        f"token {token.id} ({token.name}): scopes {', '.join(token.scopes)}"
        + (f", acts for {token.user}" if token.user else ", not bound to a user")
        + (f", expires {token.expires_at}" if token.expires_at else "")
        + "\nThis is the only time it is shown; edusync keeps only its hash.",
        highlight=False,
    )
    print(plain)


@tokens_app.command("list")
def list_tokens(config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Every token: id, name, scopes, user, expiry and status (never the token itself).

    Example: edusync tokens list
    """
    with handled():
        _, db = open_all(config, connectors=False)
        found = tokens.list_tokens(db)
    now = _now()
    if as_json:
        print_json([tok.as_dict(now) for tok in found])
        return
    table = Table(title="API tokens", title_justify="left")
    for column in ("id", "name", "prefix", "scopes", "user", "created", "expires", "status"):
        table.add_column(column)
    for tok in found:
        status = tok.status(now)
        style = {"active": "green", "expired": "yellow", "revoked": "red"}[status]
        table.add_row(
            str(tok.id),
            tok.name,
            tok.prefix + "…",
            " ".join(tok.scopes),
            tok.user or "-",
            tok.created_at[:19],
            (tok.expires_at or "never")[:19],
            f"[{style}]{status}[/]",
        )
    console.print(table)


@tokens_app.command("revoke")
def revoke(
    token_id: int = typer.Argument(..., help="The token's id (see: edusync tokens list)."), config: Path = CONFIG_OPTION
) -> None:
    """Revoke a token: the API refuses it from the next request on.

    Example: edusync tokens revoke 4
    """
    with handled():
        _, db = open_all(config, connectors=False)
        token = tokens.revoke(db, token_id, actor=actor())
    console.print(f"token {token.id} ({token.name}) revoked at {token.revoked_at}")
