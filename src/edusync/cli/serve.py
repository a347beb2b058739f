"""``edusync serve``: the operations console, its REST API and the Feide-compatible groups API (uvicorn)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import typer

from edusync.cli import logs
from edusync.cli.common import CONFIG_OPTION, err_console, handled, open_all
from edusync.cli.main import app
from edusync.errors import ConfigError


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    config: Path = CONFIG_OPTION,
    web: bool = typer.Option(None, "--web/--no-web", help="Serve the web console (default: console.web)."),
    api: bool = typer.Option(None, "--api/--no-api", help="Serve the REST API /api/v1 (default: console.api)."),
    groups: bool = typer.Option(
        None, "--groups-api/--no-groups-api", help="Serve the groups API /groups (default: console.groups_api)."
    ),
    base_path: str = typer.Option(None, "--base-path", help="Serve under this path (default: console.base_path)."),
) -> None:
    """Serve the console (/), the REST API (/api/v1) and the groups API (/groups) until interrupted.

    Health at /health; one JSON line per request on the edusync.access log. Sign in with a user
    from "edusync users create"; API calls take a token from "edusync tokens create --scope console:read".

    Example: edusync serve --port 8080 --base-path /edusync
    """
    import uvicorn

    from edusync.console.app import create_app

    with handled():
        try:
            loaded, db = open_all(config)
            can_run = True
        except ConfigError as exc:
            # Without the connectors' secrets the console still shows everything; runs resume from the CLI.
            err_console.print(f"[yellow]runs cannot be started from the console:[/] {exc}")
            loaded, db = open_all(config, connectors=False)
            can_run = False
        changes = {
            k: v
            for k, v in {"web": web, "api": api, "groups_api": groups, "base_path": base_path}.items()
            if v is not None
        }
        if changes:
            console_config = loaded.config.console.model_validate({**loaded.config.console.model_dump(), **changes})
            loaded = dataclasses.replace(loaded, config=loaded.config.model_copy(update={"console": console_config}))
        asgi = create_app(loaded, db, can_run=can_run)
    logs.at_least(logging.INFO)  # the access lines, unless --log-level says otherwise
    root = f"http://{host}:{port}{loaded.config.console.base_path}"
    parts = [
        f"console {root}/" if loaded.config.console.web else "",
        f"API {root}/api/v1/docs" if loaded.config.console.api else "",
    ]
    parts.append(f"groups API {root}/groups" if loaded.config.console.groups_api else "")
    err_console.print("serving " + ", ".join(p for p in parts if p) + f"; health {root}/health")
    try:
        uvicorn.run(asgi, host=host, port=port, log_level="warning", access_log=False)
    finally:
        db.dispose()
