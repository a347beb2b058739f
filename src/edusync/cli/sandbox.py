"""``edusync sandbox ...``: the fake FINT, FS and WISEflow servers, for trying edusync and for tests."""

from __future__ import annotations

import typer

from edusync.sandbox.fint.cli import fint
from edusync.sandbox.fs.cli import fs
from edusync.sandbox.wiseflow.cli import wiseflow

sandbox_app = typer.Typer(help="Serve a sandbox of a real system's API over loopback.", no_args_is_help=True)
sandbox_app.command("fint", help="A FINT API (HAL JSON, OAuth2, deltas, async writes) over a seeded county.")(fint)
sandbox_app.command("fs", help="An FS-like REST API over a seeded university, with a results endpoint.")(fs)
sandbox_app.command("wiseflow", help="The WISEflow REST calls edusync uses, in memory.")(wiseflow)
