"""Benchmark: 10 000 users and 2 000 groups (with their members) to scim2-server on loopback, full and a 1 % delta.

    python benchmarks/scim_export.py                 # 10 000 users, 2 000 groups, 20 000 memberships
    python benchmarks/scim_export.py --scale 0.1     # a tenth of it, to check that it works
    python benchmarks/scim_export.py --no-bulk       # one request per write even though the service offers /Bulk
    python benchmarks/scim_export.py --filter-keys 1 # one externalId per search (scim2-server indexes a lone eq)

scim2-server runs in its own process (``python -m edusync.sandbox.scim``), so the service's work
is not counted in the connector's process. Changes are built as the exporter builds them and go
through ``export`` in batches of the connector's default size (500). The full export starts from
an empty service; the delta changes 1 % of the users (their e-mail) and moves 1 % of the
memberships to another group (a remove and an add). It prints JSON: the time of each phase, the
requests the connector made by method, and the process's peak RSS. docs/scim.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from changes import Ids

from edusync.connectors.scim import ScimConnector, ScimSettings
from edusync.model.records import Change, Op
from edusync.sandbox.serving import free_port


def person(i: int, mail: str = "skole.no") -> dict[str, object]:
    return {"userName": f"elev{i}@fylke.no", "givenName": f"Elev{i}", "familyName": "Nordmann",
            "email": f"elev{i}@{mail}", "employeeNumber": str(100000 + i), "organization": "Fylket",
            "department": f"Skole {i % 40}"}  # fmt: skip


def full(ids: Ids, users: int, groups: int) -> Iterator[Change]:
    for i in range(users):
        yield ids.change("user", f"u{i}", **person(i))
    for g in range(groups):
        yield ids.change("group", f"g{g}", displayName=f"Gruppe {g}")
    for i in range(users):  # every user in two groups
        for g in (i % groups, (i * 7 + 3) % groups):
            yield ids.change("membership", f"u{i}:g{g}", person=f"u{i}", group=f"g{g}")


def delta(ids: Ids, users: int, groups: int) -> Iterator[Change]:
    step = 100
    for i in range(0, users, step):
        yield ids.change("user", f"u{i}", Op.UPDATE, **person(i, "ny.skole.no"))
    for i in range(0, users, step * 2):  # 1 % of the 2 × users memberships: half removed, half added
        g = i % groups
        yield ids.change("membership", f"u{i}:g{g}", Op.DELETE, person=f"u{i}", group=f"g{g}")
        yield ids.change("membership", f"u{i}:g{(g + 1) % groups}", person=f"u{i}", group=f"g{(g + 1) % groups}")


def export(connector: ScimConnector, changes: Sequence[Change], batch: int = 500) -> dict[str, Any]:
    sent_before = dict(connector.client.sent)
    started = time.perf_counter()
    connector.begin_export(1, 1)  # each phase is its own run's export: it reads the service anew
    failed = 0
    for i in range(0, len(changes), batch):
        failed += sum(not r.ok for r in connector.export(changes[i : i + batch]))
    seconds = time.perf_counter() - started
    sent = {m: n - sent_before.get(m, 0) for m, n in connector.client.sent.items() if n != sent_before.get(m, 0)}
    return {"changes": len(changes), "failed": failed, "seconds": round(seconds, 2),
            "requests": sum(sent.values()), "by_method": sent}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-bulk", action="store_true")
    parser.add_argument("--filter-keys", type=int, default=50, help="externalId values per search filter")
    args = parser.parse_args()
    users, groups = int(10_000 * args.scale), int(2_000 * args.scale)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "edusync.sandbox.scim", "--port", str(port)],
                              stdout=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}/v2"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/ServiceProviderConfig", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        settings = ScimSettings(url=url, bulk=not args.no_bulk, timeout=300, filter_keys=args.filter_keys)
        connector = ScimConnector("bench", settings, Path("."))
        ids = Ids()
        result: dict[str, Any] = {"users": users, "groups": groups, "bulk": not args.no_bulk,
                                  "filter_keys": args.filter_keys}  # fmt: skip
        result["full"] = export(connector, list(full(ids, users, groups)))
        result["delta"] = export(connector, list(delta(ids, users, groups)))
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        connector.close()
    finally:
        server.terminate()
        server.wait(10)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
