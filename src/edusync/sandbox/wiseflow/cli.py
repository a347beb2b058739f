"""``edusync sandbox wiseflow``: serve an empty WISEflow licence until interrupted.

A plain function so the CLI package can register it with Typer as it likes. The API token comes
from ``EDUSYNC_WISEFLOW_SANDBOX_TOKEN`` or a fixed demo value: the sandbox holds only what a
client puts in it, and a person trying it should not have to configure anything.
"""

from __future__ import annotations

import os

import typer

from edusync.sandbox.serving import free_port, serve_forever
from edusync.sandbox.wiseflow.app import API_PREFIX, create_app
from edusync.sandbox.wiseflow.envelope import API_KEY_HEADER

DEMO_TOKEN = "wiseflow-demo-token"  # noqa: S105 -- a published demo value for a sandbox


def wiseflow(port: int = 0, host: str = "127.0.0.1") -> None:
    """Serve the WISEflow sandbox; port 0 picks a free port."""
    token = os.environ.get("EDUSYNC_WISEFLOW_SANDBOX_TOKEN", DEMO_TOKEN)
    port = port or free_port(host)
    base = f"http://{host}:{port}{API_PREFIX}"
    typer.echo("WISEflow sandbox: an empty licence")
    typer.echo(f"  base URL:  {base}")
    typer.echo(f"  API token: {token}  (header {API_KEY_HEADER})")
    typer.echo(f"  try:       curl -H '{API_KEY_HEADER}: {token}' {base}/license/flow-types")
    serve_forever(create_app(api_token=token), host, port)
