"""``edusync sandbox fint``: generate a county and serve it as a FINT API until interrupted.

The function is plain and Typer-compatible (Typer reads the defaults and types);
the CLI package wires it in. It prints where the API is and the demo
credentials, never any personal data.
"""

from __future__ import annotations

import time

from edusync.sandbox.fint.auth import TOKEN_PATH
from edusync.sandbox.fint.generator import SIZES, generate
from edusync.sandbox.fint.server import create_app
from edusync.sandbox.serving import free_port, serve_forever

#: Demo credentials: the sandbox holds synthetic data only, so fixed values are fine.
DEMO_CLIENT_ID = "edusync-demo"
DEMO_CLIENT_SECRET = "edusync-demo-secret"  # noqa: S105 - public demo value
DEMO_USERNAME = "edusync-demo@client.felleskomponent.no"
DEMO_PASSWORD = "edusync-demo-password"  # noqa: S105 - public demo value
#: The port ``edusync demo``'s folder expects the sandbox on afterwards: ``edusync sandbox fint --port 8180``.
DEMO_PORT = 8180


def fint(
    port: int = 0,
    host: str = "127.0.0.1",
    seed: int = 1,
    size: str = "small",
    token_lifetime: int = 3600,
) -> None:
    """Serve a synthetic county over the FINT API (port 0 picks a free port)."""
    if size not in SIZES:
        raise SystemExit(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    started = time.perf_counter()
    county = generate(seed=seed, size=size)
    took = time.perf_counter() - started
    port = port or free_port(host)
    base = f"http://{host}:{port}"
    app = create_app(
        county,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD,
        token_lifetime=token_lifetime,
    )
    counts = county.counts()
    print(
        f"FINT sandbox: {county.name} fylkeskommune, seed {seed}, size {size}, today {county.today} "
        f"({counts['skole']} schools, {counts['elev']} pupils, {counts['personalressurs']} employees; "
        f"generated in {took:.1f} s)"
    )
    print(f"base URL:      {base}")
    print(f"token URL:     {base}{TOKEN_PATH}")
    print(f"client id:     {DEMO_CLIENT_ID}")
    print(f"client secret: {DEMO_CLIENT_SECRET}")
    print(f"username:      {DEMO_USERNAME}")
    print(f"password:      {DEMO_PASSWORD}")
    print(f"scope:         fint-client (tokens live {token_lifetime} s)")
    print(f"admin API:     {base}/_sandbox  (scenario ids: {base}/_sandbox/scenario)")
    serve_forever(app, host, port)
