"""Generate a county for the files connector and time a full run, a rerun and a 1 % delta.

Each step runs in its own process (``python -m edusync run``), so its wall time and
peak memory are its own. On PostgreSQL a throwaway database is created on the given
server and dropped afterwards, so a benchmark never touches real data.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from edusync import vault
from edusync.bench.process import timed
from edusync.bench.ratios import Floor
from edusync.demo import data, demo, nights
from edusync.errors import FatalError


@contextlib.contextmanager
def database(url: str | None, folder: Path) -> Iterator[str]:
    if not url or url.startswith("sqlite"):
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"edusync_bench_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_bench(
    size: str,
    server: str | None,
    keep: Path | None = None,
    seed: int = 7,
    log: Callable[[str], None] | None = None,
    floor: bool = True,
) -> dict[str, Any]:
    if size not in data.SIZES:
        raise FatalError(f"unknown size {size!r} (choose from {', '.join(data.SIZES)})")
    say = log or (lambda msg: None)
    with contextlib.ExitStack() as stack:
        folder = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="edusync-bench-")))
        started = time.perf_counter()
        say(f"generating {size} county in {folder}")
        county = data.generate(size, seed)
        data.write(county, folder / "data")
        generate_s = time.perf_counter() - started
        say(f"generated in {generate_s:.1f} s")
        objects = sum(len(x) for x in (county.orgs, county.persons, county.groups, county.memberships))
        config = folder / "edusync.yaml"
        config.write_text(demo.template(), encoding="utf-8")
        vault.create_key_file(folder / demo.KEY_FILE)  # the template's storage.key_file: sealing is timed too
        url = stack.enter_context(database(server, folder))
        env = {**os.environ, "EDUSYNC_DATABASE_URL": url, "EDUSYNC_CONFIG": str(config)}
        cmd = [sys.executable, "-m", "edusync", "run", "nightly", "--json"]
        results: dict[str, Any] = {}
        peak = 0.0
        floors = Floor(["--files", str(folder / "data")], folder, say)
        if floor:
            floors.measure("before", env)
        steps = [("full_s", None), ("rerun_s", None), ("delta_s", "delta"), ("changes_1000_s", "fixed")]
        for key, mutate in steps:
            if mutate == "delta":
                nights.percent_delta(county, random.Random(seed))
            elif mutate == "fixed":  # the same 1 000 changes at every size: the cost must follow them, not the county
                nights.fixed_delta(county, random.Random(seed + 1), 1000)
            if mutate:
                data.write(county, folder / "data")
            say(f"timing {key[:-2]}")
            seconds, rss, code, _, err = timed(cmd, env)
            if code != 0:
                raise FatalError(f"benchmark step {key[:-2]} exited {code}: {err}")
            results[key] = round(seconds, 2)
            say(f"{key[:-2]}: {seconds:.1f} s, peak {rss:.0f} MB")
            results[key[:-2] + "_rss_mb"] = round(rss, 1)
            peak = max(peak, rss)
            say(f"{key[:-2]}: {seconds:.1f} s, {rss:.0f} MB")
        if floor:
            floors.measure("after", env)
        return {
            "size": size,
            "database": "sqlite" if url.startswith("sqlite") else "postgresql",
            "objects": objects,
            "generate_s": round(generate_s, 2),
            **results,
            "peak_rss_mb": round(peak, 1),
            **floors.figures(results),
        }
