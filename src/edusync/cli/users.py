"""``edusync users``: the console's people (local accounts with argon2 hashes, or OpenID Connect users)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from edusync.cli.common import CONFIG_OPTION, JSON_OPTION, actor, console, err_console, handled, open_all, print_json
from edusync.services import users

users_app = typer.Typer(help="Who may sign in to the console, and with which roles.", no_args_is_help=True)
PASSWORD_ENV = "EDUSYNC_NEW_PASSWORD"  # noqa: S105  (a variable's name)


@users_app.command("create")
def create(
    username: str = typer.Argument(..., help="The user name: an e-mail address or a Feide name."),
    role: list[str] = typer.Option(..., "--role", help=f"A role (repeat for more): {', '.join(users.ROLES)}."),
    name: str = typer.Option(None, "--name", help="The name the console shows."),
    oidc: bool = typer.Option(False, "--oidc", help="No password: the user signs in with OpenID Connect only."),
    language: str = typer.Option(None, "--language", help="nb or en (default: the console's)."),
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Make a user. The password is read from $EDUSYNC_NEW_PASSWORD, else asked for (never an argument).

    Example: edusync users create rektor@fylke.no --role approver --name "Rita Rektor"
    """
    with handled():
        password = None
        if not oidc:
            password = os.environ.get(PASSWORD_ENV) or typer.prompt(
                "Password (10 characters at least)", hide_input=True, confirmation_prompt=True
            )
        _, db = open_all(config, connectors=False)
        user = users.create(db, username, role, actor=actor(), password=password, display_name=name, language=language)
    if as_json:
        print_json(user.as_dict())
        return
    err_console.print(f"user {user.username}: {', '.join(user.roles)}" + ("" if user.local else " (OpenID Connect)"))


@users_app.command("list")
def list_users(config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Every user: name, roles, how they sign in, whether disabled, last sign-in.

    Example: edusync users list --json
    """
    with handled():
        _, db = open_all(config, connectors=False)
        items = users.list_users(db)
    if as_json:
        print_json([u.as_dict() for u in items])
        return
    table = Table()
    for column in ("user", "name", "roles", "sign-in", "status", "last sign-in"):
        table.add_column(column)
    for u in items:
        table.add_row(
            u.username,
            u.display_name,
            " ".join(u.roles),
            "password" if u.local else "oidc",
            "disabled" if u.disabled_at else "active",
            u.last_login_at or "",
        )
    console.print(table)


@users_app.command("disable")
def disable(username: str, config: Path = CONFIG_OPTION) -> None:
    """Stop a user signing in; their open sessions end at their next request.

    Example: edusync users disable vikar@fylke.no
    """
    with handled():
        _, db = open_all(config, connectors=False)
        user = users.disable(db, username, actor=actor())
    err_console.print(f"user {user.username} is disabled (since {user.disabled_at})")
