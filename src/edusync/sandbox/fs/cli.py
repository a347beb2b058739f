"""``edusync sandbox fs``: serve a generated university over the FS-like API until interrupted.

A plain function so the CLI package can register it with Typer as it likes. Credentials come
from ``EDUSYNC_FS_SANDBOX_USER`` / ``EDUSYNC_FS_SANDBOX_PASSWORD`` or fixed demo values: the
sandbox holds only synthetic people, and a person trying it should not have to configure anything.
"""

from __future__ import annotations

import os

import typer

from edusync.sandbox.fs.app import create_app
from edusync.sandbox.fs.university import SIZES, generate
from edusync.sandbox.serving import free_port, serve_forever

DEMO_USER = "fs-demo"
DEMO_PASSWORD = "fs-demo-password"  # noqa: S105 -- a published demo value for synthetic data


def fs(port: int = 0, host: str = "127.0.0.1", seed: int = 1, size: str = "small") -> None:
    """Serve the FS sandbox (sizes: small, university); port 0 picks a free port."""
    if size not in SIZES:
        raise typer.BadParameter(f"size must be one of {', '.join(SIZES)}", param_hint="--size")
    username = os.environ.get("EDUSYNC_FS_SANDBOX_USER", DEMO_USER)
    password = os.environ.get("EDUSYNC_FS_SANDBOX_PASSWORD", DEMO_PASSWORD)
    university = generate(seed, size)
    port = port or free_port(host)
    base = f"http://{host}:{port}"
    # Only ids and counts are printed: never a person's data, and never a fødselsnummer.
    typer.echo(f"FS sandbox: {university.navn} (institusjonsnr {university.institusjonsnr})")
    typer.echo(f"  seed {seed}, size {size}: {len(university.exams)} exams, {len(university.studieretter)} students")
    typer.echo(f"  base URL:  {base}/")
    typer.echo(f"  user:      {username}")
    typer.echo(f"  password:  {password}")
    typer.echo(f"  try:       curl -u {username}:{password} {base}/vurderingsenheter")
    typer.echo(f"  scenario:  curl -u {username}:{password} {base}/_sandbox/scenario")
    serve_forever(create_app(university, username=username, password=password), host, port)
