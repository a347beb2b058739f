"""Benchmark: the console's pages under 20 concurrent clients, over a large site with a blocked night.

    python benchmarks/console_load.py                            # county-l, 30 000 pupils lost, on SQLite
    python benchmarks/console_load.py --size county --lost 6000  # a fifth of it, to check that it works
    python benchmarks/console_load.py --keep /tmp/console-bench  # keep the site; a second call reuses it
    python benchmarks/console_load.py --database postgresql://postgres@127.0.0.1/postgres
    python benchmarks/console_load.py --database postgresql://postgres@127.0.0.1/postgres --keep /tmp/pg-bench

The site is the bench's generated county (``edusync bench``'s generator) synced one night; on the
next, the export has lost ``--lost`` pupils, and with the input check opened (as an operator would
once the loss is known to be real) the gate blocks a change set of that many person deletes (and
their memberships'). ``edusync serve`` then runs in its own process; a bounded load (``--requests``
per page, ``--clients`` at a time, httpx async on loopback, signed in as an admin) asks for each
page in turn: the dashboard, the blocked run's review page, a person search (a different person's
full name each time) and a person's page (a different person each time). It prints JSON: p50, p95
and p99 per page in milliseconds, requests per second, the server's RSS after each page and its
peak, and the load average before and after. docs/benchmark.md has the figures; the goal is a p95
under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from edusync import vault
from edusync.bench.core import database
from edusync.config.loader import load_config
from edusync.demo import data, demo
from edusync.sandbox.serving import free_port
from edusync.services import runs, users
from edusync.storage import open_database, tables

DAY0 = dt.datetime(2026, 8, 17, 2, 0, tzinfo=dt.UTC)
USER, PASSWORD = "bench@edusync.example", "edusync-bench-password"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def build(folder: Path, size: str, lost: int, url: str, say: Any) -> dict[str, Any]:
    """Generate, sync a night, lose ``lost`` pupils, run the blocked night; return what was made."""
    say(f"generating {size} county in {folder}")
    county = data.generate(size, 7)
    data.write(county, folder / "data")
    settings = yaml.safe_load(demo.template())
    settings["storage"]["url"] = url
    # The loss is known to be real: the gate's thresholds block the deletes, not the import's checks.
    settings["safety"]["input"] = {**settings["safety"]["input"], "max_loss_percent": 100, "max_drift_percent": None}
    config = folder / "edusync.yaml"
    config.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    vault.create_key_file(folder / demo.KEY_FILE)
    loaded = load_config(config)
    db = open_database(loaded.config.storage.url, loaded.base_dir)
    started = time.perf_counter()
    say("night 1: the full sync")
    first = runs.start(loaded, db, "nightly", now=DAY0)
    full_s = time.perf_counter() - started
    pupils = [p for p in county.persons if p[6] == "student"]
    gone = {p[0] for p in pupils[:lost]}
    county.persons = [p for p in county.persons if p[0] not in gone]
    data.write(county, folder / "data")
    say(f"night 2: {len(gone)} pupils lost")
    started = time.perf_counter()
    blocked = runs.start(loaded, db, "nightly", now=DAY0 + dt.timedelta(days=1))
    blocked_s = time.perf_counter() - started
    block = runs.get_run(db, blocked.run_id).get("block") or {}
    if blocked.status != "blocked" or block.get("kind") != "threshold":
        raise SystemExit(f"night 2 ended {blocked.status} ({block.get('kind')}), not blocked by the gate")
    users.create(db, USER, ["admin"], actor="bench", password=PASSWORD)
    db.dispose()
    site = {
        "size": size,
        "objects": sum(len(x) for x in (county.orgs, county.persons, county.groups, county.memberships)) + len(gone),
        "lost": len(gone),
        "first_run": first.run_id,
        "blocked_run": blocked.run_id,
        "full_run_s": round(full_s, 1),
        "blocked_run_s": round(blocked_s, 1),
    }
    (folder / "site.json").write_text(json.dumps(site), encoding="utf-8")
    return site


def samples(folder: Path, n: int, seed: int) -> tuple[list[str], list[str]]:
    """Active persons' metaverse ids and full names, picked at random, for the search and the person's page."""
    loaded = load_config(folder / "edusync.yaml")
    db = open_database(loaded.config.storage.url, loaded.base_dir)
    mv = tables.mv_objects
    with db.begin() as conn:
        rows = conn.execute(
            select(mv.c.id, mv.c.attrs).where(mv.c.object_type == "person", mv.c.state == "active").limit(20_000)
        ).all()
    db.dispose()
    picked = random.Random(seed).sample(rows, min(n, len(rows)))  # noqa: S311  (a sample, not a secret)
    names = [json.loads(r.attrs).get("displayName", "") for r in picked]
    return [r.id for r in picked], [name for name in names if name]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    token = CSRF.search(page.text)
    assert token, "no CSRF token on the login page"
    answer = await client.post(
        "/login", data={"username": USER, "password": PASSWORD, "csrf": token.group(1), "next": "/"}
    )
    if answer.status_code != 303:
        raise SystemExit(f"sign-in failed: {answer.status_code}")


async def load(client: httpx.AsyncClient, paths: list[str], clients: int) -> tuple[list[float], float, int]:
    """Ask for every path, ``clients`` at a time; the latencies in ms, the wall time, the failures."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    latencies: list[float] = []
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while not queue.empty():
            path = queue.get_nowait()
            started = time.perf_counter()
            answer = await client.get(path)
            latencies.append((time.perf_counter() - started) * 1000)
            failures += answer.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, time.perf_counter() - started, failures


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def measure(url: str, pid: int, pages: dict[str, list[str]], clients: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        await sign_in(client)
        for name, paths in pages.items():
            first, _, _ = await load(client, paths[:1], 1)  # alone and cold: what the first visitor waits
            await load(client, paths[:clients], clients)  # warm up: templates compiled, caches filled
            latencies, wall, failures = await load(client, paths, clients)
            out[name] = {
                "first_ms": round(first[0], 1),
                "requests": len(paths),
                "failures": failures,
                "p50_ms": quantile(latencies, 0.50),
                "p95_ms": quantile(latencies, 0.95),
                "p99_ms": quantile(latencies, 0.99),
                "mean_ms": round(statistics.fmean(latencies), 1),
                "per_s": round(len(paths) / wall, 1),
                "server_rss_mb": rss_mb(pid),
            }
    return out


def serve(folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EDUSYNC_CONFIG": str(folder / "edusync.yaml"), "EDUSYNC_CONSOLE_SECRET": "bench-" * 6}
    env.pop("EDUSYNC_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "edusync", "serve", "--port", str(port), "--no-groups-api"]
    server = subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        cmd,
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        if server.poll() is not None:
            raise SystemExit(f"edusync serve exited {server.returncode}")
        time.sleep(0.5)
    server.kill()
    raise SystemExit("edusync serve did not answer /health within 120 s")


def kept_database(url: str) -> str:
    """A PostgreSQL database made afresh for a kept site (``edusync_console_bench``), left in place after."""
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = "edusync_console_bench"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", default="county-l", choices=list(data.SIZES))
    parser.add_argument("--lost", type=int, default=30_000, help="pupils the second night's export lost")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="requests per page")
    parser.add_argument("--database", help="a PostgreSQL server (a throwaway database is made); default SQLite")
    parser.add_argument(
        "--keep", type=Path, help="keep the site here (and, with --database, its database); reused when it is there"
    )
    args = parser.parse_args(argv)

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        folder = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="edusync-console-")))
        if args.keep and (folder / "site.json").exists():
            site = json.loads((folder / "site.json").read_text(encoding="utf-8"))
            say(f"reusing the site in {folder}")
        elif args.keep and args.database:
            site = build(folder, args.size, args.lost, kept_database(args.database), say)
        else:
            url = stack.enter_context(database(args.database, folder))
            site = build(folder, args.size, args.lost, url, say)
        ids, names = samples(folder, args.requests, 11)
        blocked = site["blocked_run"]
        n = args.requests
        pages = {
            "dashboard": ["/"] * n,
            "review": [f"/runs/{blocked}/review"] * n,
            "search": ["/search?" + str(httpx.QueryParams({"q": names[i % len(names)]})) for i in range(n)],
            "person": [f"/objects/person/{ids[i % len(ids)]}" for i in range(n)],
        }
        port = free_port()
        server = serve(folder, port)
        stack.callback(server.wait)
        stack.callback(server.terminate)
        load_before = os.getloadavg()
        say(f"{n} requests per page, {args.clients} at a time")
        figures = asyncio.run(measure(f"http://127.0.0.1:{port}", server.pid, pages, args.clients))
        result = {
            **site,
            "database": "postgresql" if args.database else "sqlite",
            "clients": args.clients,
            "pages": figures,
            "server_peak_rss_mb": rss_mb(server.pid, "VmHWM"),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count(),
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        }
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
