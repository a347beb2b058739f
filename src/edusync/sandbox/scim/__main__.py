"""``python -m edusync.sandbox.scim [--port N] [--no-bulk] [--no-patch]``: scim2-server on a loopback port."""

from __future__ import annotations

import argparse

import uvicorn

from edusync.sandbox.scim.server import create_app
from edusync.testing.exchanges import conformed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m edusync.sandbox.scim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--no-bulk", action="store_true", help="announce no /Bulk in /ServiceProviderConfig")
    parser.add_argument("--no-patch", action="store_true", help="announce no PATCH")
    args = parser.parse_args()
    app, _, _ = create_app(bulk=not args.no_bulk, patch=not args.no_patch)
    print(f"SCIM 2.0 (scim2-server) on http://{args.host}:{args.port}/v2", flush=True)
    uvicorn.run(conformed(app), host=args.host, port=args.port, log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
