"""``edusync sandbox ...``: fake FINT, FS, WISEflow and itslearning IMS ES servers, for trying edusync and for tests.

The sandboxes are imported only when one is started, so that ordinary commands stay quick.
"""

from __future__ import annotations

import typer

sandbox_app = typer.Typer(help="Serve a sandbox of a real system's API over loopback.", no_args_is_help=True)


@sandbox_app.command("fint")
def fint(
    port: int = typer.Option(0, help="Port (0: pick a free one)."),
    host: str = "127.0.0.1",
    seed: int = typer.Option(1, help="Seed of the generated county."),
    size: str = typer.Option("small", help="small, county or county-l."),
    token_lifetime: int = typer.Option(3600, help="Seconds an access token lives."),
) -> None:
    """A FINT API (HAL JSON, OAuth2, deltas, asynchronous writes) over a seeded county.

    It prints its URLs and the demo credentials; the folder "edusync demo" writes expects it on port 8180.

    Example: edusync sandbox fint --port 8180 --seed 1
    """
    from edusync.sandbox.fint.cli import fint as serve

    serve(port=port, host=host, seed=seed, size=size, token_lifetime=token_lifetime)


@sandbox_app.command("fs")
def fs(
    port: int = typer.Option(0, help="Port (0: pick a free one)."),
    host: str = "127.0.0.1",
    seed: int = typer.Option(1, help="Seed of the generated university."),
    size: str = typer.Option("small", help="small or university."),
) -> None:
    """An FS-like REST API over a seeded university, with a results endpoint.

    Example: edusync sandbox fs --port 8181 --size university
    """
    from edusync.sandbox.fs.cli import fs as serve

    serve(port=port, host=host, seed=seed, size=size)


@sandbox_app.command("wiseflow")
def wiseflow(
    port: int = typer.Option(0, help="Port (0: pick a free one)."),
    host: str = "127.0.0.1",
) -> None:
    """The WISEflow REST calls edusync uses, in memory.

    Example: edusync sandbox wiseflow --port 8182
    """
    from edusync.sandbox.wiseflow.cli import wiseflow as serve

    serve(port=port, host=host)


@sandbox_app.command("imses")
def imses(
    port: int = typer.Option(0, help="Port (0: pick a free one)."),
    host: str = "127.0.0.1",
    site: str = typer.Option("site", help="Sync key of the site's main organisation."),
) -> None:
    """itslearning's IMS Enterprise Services (SOAP): persons, groups, memberships and a trash, in memory.

    Example: edusync sandbox imses --port 8183 --site fylke
    """
    from edusync.sandbox.imses.cli import imses as serve

    serve(port=port, host=host, site=site)
