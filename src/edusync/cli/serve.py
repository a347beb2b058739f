"""``edusync serve``: the Feide-compatible groups API over HTTP (uvicorn)."""

from __future__ import annotations

from pathlib import Path

import typer

from edusync.cli.common import CONFIG_OPTION, err_console, handled, open_all
from edusync.cli.main import app


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    config: Path = CONFIG_OPTION,
) -> None:
    """Serve the groups API (/groups/...) from edusync's database until interrupted.

    Calls need a bearer token from `edusync tokens create --scope groups-edu`. The OpenAPI
    document is at /openapi.json, rendered at /docs.
    """
    import uvicorn

    from edusync.groupsapi.app import create_app

    with handled():
        loaded, db = open_all(config, connectors=False)
        api = create_app(db, loaded.config.groups_api)
    err_console.print(f"groups API on http://{host}:{port}/groups (OpenAPI: http://{host}:{port}/docs)")
    try:
        uvicorn.run(api, host=host, port=port, log_level="info")
    finally:
        db.dispose()
