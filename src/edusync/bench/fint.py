"""``edusync bench --source fint``: a county read over HTTP from the FINT sandbox, full and one day's delta.

The sandbox runs in a process of its own (so serving does not share edusync's
interpreter) with every page rendered before the clock starts: what is timed is
edusync reading, staging and syncing, not the sandbox building JSON. Each edusync
run is a process of its own too, so its wall time and peak memory are its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import yaml

from edusync import vault
from edusync.bench.core import database
from edusync.bench.process import timed
from edusync.bench.ratios import Floor
from edusync.demo import fint_demo
from edusync.errors import FatalError
from edusync.sandbox.fint.generator import SIZES
from edusync.sandbox.serving import free_port

#: What is timed: a full import and sync, then one simulated day read as a delta and synced.
PROFILES = {
    "bench-full": ["fint:import", "sync", "lifecycle"],
    "bench-delta": ["fint:import-delta", "sync", "lifecycle"],
}
SECRETS = {"FINT_CLIENT_SECRET": fint_demo.SECRET, "FINT_PASSWORD": fint_demo.PASSWORD}
#: Generating and rendering the 100 000-person county takes a minute or two on a small machine.
START_TIMEOUT_S = 900.0


@contextlib.contextmanager
def _sandbox(size: str, seed: int, say: Callable[[str], None]) -> Iterator[tuple[str, dict[str, Any]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "edusync", "sandbox", "fint", "--size", size, "--seed", str(seed), "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        say(f"starting the FINT sandbox ({size}) at {base}")
        state = _wait_ready(proc, base)
        say("rendering every page in the sandbox")
        httpx.post(f"{base}/_sandbox/prewarm", timeout=START_TIMEOUT_S).raise_for_status()
        yield base, state
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], base: str) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            raise FatalError(f"the FINT sandbox exited with {proc.returncode}: {err}")
        with contextlib.suppress(httpx.TransportError):
            answer = httpx.get(f"{base}/_sandbox", timeout=5)
            if answer.status_code == 200:
                state: dict[str, Any] = answer.json()
                return state
        time.sleep(0.5)
    raise FatalError(f"the FINT sandbox did not answer at {base} within {START_TIMEOUT_S:.0f} s")


def _config(folder: Path, base: str, realm: str) -> Path:
    env = fint_demo.fint_environment(base, realm)
    text = fint_demo.template()
    for name, value in env.items():
        if name not in SECRETS:
            text = text.replace("${" + name + "}", value)
    doc = yaml.safe_load(text)
    doc["profiles"] = {**doc["profiles"], **PROFILES}
    config = folder / "edusync.yaml"
    config.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    if not (folder / "edusync.keys").exists():
        vault.create_key_file(folder / "edusync.keys")  # the template's storage.key_file: sealing is timed too
    return config


def run_fint_bench(
    size: str,
    url: str | None,
    keep: Path | None = None,
    seed: int = 7,
    log: Callable[[str], None] | None = None,
    floor: bool = True,
) -> dict[str, Any]:
    if size not in SIZES:
        raise FatalError(f"unknown size {size!r} for the FINT sandbox (choose from {', '.join(SIZES)})")
    say = log or (lambda msg: None)
    with contextlib.ExitStack() as stack:
        folder = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="edusync-bench-fint-")))
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        base, state = stack.enter_context(_sandbox(size, seed, say))
        sandbox_s = time.perf_counter() - started
        say(f"sandbox ready in {sandbox_s:.1f} s")
        config = _config(folder, base, state["domain"])
        db_url = stack.enter_context(database(url, folder))
        env = {**os.environ, **SECRETS, "EDUSYNC_DATABASE_URL": db_url, "EDUSYNC_CONFIG": str(config)}
        today = dt.date.fromisoformat(state["today"])
        results: dict[str, Any] = {
            "size": size,
            "database": "sqlite" if db_url.startswith("sqlite") else "postgresql",
            "counts": state.get("counts", {}),
            "sandbox_start_s": round(sandbox_s, 1),
        }
        peak = 0.0
        # The floor reads the same pages (address and credentials as the runs get them); after the
        # simulated day it reads the county as it then is, which is the size the full run read.
        floors = Floor(["--fint", base], folder, say)
        floor_env = {**env, **fint_demo.fint_environment(base, state["domain"])}
        if floor:
            floors.measure("before", floor_env)
        for key, profile, day in (("full", "bench-full", 0), ("delta", "bench-delta", 1)):
            if day:
                say("advancing the sandbox by one school day")
                httpx.post(f"{base}/_sandbox/advance", params={"days": day}, timeout=600).raise_for_status()
                httpx.post(f"{base}/_sandbox/prewarm", timeout=START_TIMEOUT_S).raise_for_status()
            now = dt.datetime.combine(today + dt.timedelta(days=day), dt.time(2, 0))
            say(f"timing {key}")
            cmd = [sys.executable, "-m", "edusync", "run", profile, "--json", "--now", now.isoformat()]
            seconds, rss, code, out, err = timed(cmd, env)
            if code != 0:
                raise FatalError(f"benchmark step {key} exited {code}: {err}")
            report = orjson.loads(out)
            results[f"{key}_s"] = round(seconds, 2)
            results[f"{key}_rss_mb"] = round(rss, 1)
            results[f"{key}_steps_s"] = {k: round(v["ms"] / 1000, 1) for k, v in report["counts"]["timing"].items()}
            results[f"{key}_imported"] = report["counts"].get("import", {})
            peak = max(peak, rss)
            say(f"{key}: {seconds:.1f} s, {rss:.0f} MB")
        if floor:
            floors.measure("after", floor_env)
        results["peak_rss_mb"] = round(peak, 1)
        return {**results, **floors.figures(results)}
