"""``edusync sandbox imses``: serve an empty itslearning site over IMS ES until interrupted.

A plain function so the CLI package can register it with Typer as it likes. The credentials
come from ``EDUSYNC_IMSES_SANDBOX_USERNAME`` and ``EDUSYNC_IMSES_SANDBOX_PASSWORD``, or fixed
demo values: the sandbox holds only what a client puts in it, and a person trying it should
not have to configure anything.
"""

from __future__ import annotations

import os

import typer

from edusync.sandbox.imses.app import create_app
from edusync.sandbox.imses.spec.actions import COMBINED
from edusync.sandbox.serving import free_port, serve_forever

DEMO_USERNAME = "edusync"
DEMO_PASSWORD = "imses-demo-password"  # noqa: S105 -- a published demo value for a sandbox


def imses(port: int = 0, host: str = "127.0.0.1", site: str = "site") -> None:
    """Serve the IMS ES sandbox; port 0 picks a free port."""
    username = os.environ.get("EDUSYNC_IMSES_SANDBOX_USERNAME", DEMO_USERNAME)
    password = os.environ.get("EDUSYNC_IMSES_SANDBOX_PASSWORD")
    shown = "(from EDUSYNC_IMSES_SANDBOX_PASSWORD)" if password else DEMO_PASSWORD
    port = port or free_port(host)
    base = f"http://{host}:{port}"
    typer.echo(f"itslearning IMS ES sandbox: an empty site (main organisation {site!r})")
    typer.echo(f"  endpoint:  {base}{COMBINED}")
    typer.echo(f"  username:  {username}")
    typer.echo(f"  password:  {shown}")
    typer.echo(f"  summary:   curl -u {username}:<password> {base}/_sandbox/summary")
    serve_forever(create_app(username=username, password=password or DEMO_PASSWORD, site=site), host, port)
