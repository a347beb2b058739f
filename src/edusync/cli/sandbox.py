"""``edusync sandbox ...``: the fake FINT, FS, WISEflow and IMS ES servers."""

from __future__ import annotations

import typer

sandbox_app = typer.Typer(help="Serve a sandbox of a real system's API over loopback.", no_args_is_help=True)
