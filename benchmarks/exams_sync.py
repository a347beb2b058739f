"""A university's exams into WISEflow: the first ``edusync exams sync``, then a daily re-sync with 1 % changed.

    python benchmarks/exams_sync.py                  # university size: 1 500 exams, 90 636 participants
    python benchmarks/exams_sync.py --size small --json

The FS sandbox serves a generated university from this process; the WISEflow sandbox runs in a
process of its own (``edusync sandbox wiseflow``), so neither shares an interpreter with the
edusync being timed. Each sync is a child process timed on its own (wall time and its own peak
RSS), with the calls WISEflow answered counted from the sandbox's access log. Between the two
runs, one participant in a hundred gets a dispensation (a later individual deadline) in FS: the
re-sync has that many participant updates to send and nothing else.

The machine's load matters: run it on a quiet one and quote the load average beside the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from edusync import vault
from edusync.bench.process import timed
from edusync.demo.exams import TEMPLATE
from edusync.sandbox.fs import create_app as fs_app
from edusync.sandbox.fs import generate
from edusync.sandbox.serving import free_port, serve_in_thread

USER, PASSWORD, TOKEN = "fs-bench", "fs-bench-password", "wiseflow-bench-token"


def _wiseflow(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {"EDUSYNC_WISEFLOW_SANDBOX_TOKEN": TOKEN}
    cmd = [sys.executable, "-m", "edusync", "sandbox", "wiseflow", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/v1/license/flow-types", headers={"x-api-key": TOKEN}, timeout=1)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the WISEflow sandbox did not start")


def _calls(log: Path) -> int:
    return sum(1 for line in log.read_text(errors="replace").splitlines() if "/v1/" in line and "HTTP/1" in line)


def _sync(folder: Path, env: dict[str, str], log: Path) -> dict[str, Any]:
    before = _calls(log)
    cmd = [sys.executable, "-m", "edusync", "exams", "sync", "--json", "--config", str(folder / "edusync.yaml")]
    seconds, rss, code, out, err = timed(cmd, env)
    if code not in (0, 3):
        raise SystemExit(f"exams sync exited {code}: {err}")
    report = json.loads(out)
    changes: dict[str, int] = {}
    for cs in report.get("change_sets") or []:
        for of_type in (cs.get("counts") or {}).values():
            for op, n in of_type.items() if isinstance(of_type, dict) else []:
                changes[op] = changes.get(op, 0) + int(n)
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(rss),
        "exit": code,
        "wiseflow_calls": _calls(log) - before,
        "changes": changes,
        "status": report.get("status"),
    }


def _dispensations(university: Any, every: int = 100) -> int:
    """One candidate in ``every`` gets two more hours (FS innleveringsfrist); return how many."""
    n = 0
    for exam in university.exams.values():
        end = exam.slutt or exam.dato_eksamen_til or dt.datetime(2027, 6, 1, 14)
        for kandidat in exam.kandidater():
            n += 1
            if n % every == 0:
                kandidat.innleveringsfrist = end + dt.timedelta(hours=2)
    return n // every


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="university", choices=["small", "university"])
    ap.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = ap.parse_args()
    university = generate(seed=1, size=args.size)
    with tempfile.TemporaryDirectory(prefix="edusync-exams-bench-") as tmp:
        folder = Path(tmp)
        (folder / "edusync.yaml").write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
        vault.create_key_file(folder / "edusync.keys")
        log = folder / "wiseflow.log"
        wiseflow, wf_url = _wiseflow(log)
        try:
            with serve_in_thread(fs_app(university, username=USER, password=PASSWORD)) as fs_url:
                env = os.environ | {
                    "EDUSYNC_FS_URL": fs_url,
                    "EDUSYNC_FS_USER": USER,
                    "EDUSYNC_FS_PASSWORD": PASSWORD,
                    "EDUSYNC_WISEFLOW_URL": f"{wf_url}/v1",
                    "EDUSYNC_WISEFLOW_TOKEN": TOKEN,
                    "EDUSYNC_WISEFLOW_MANAGER": "eksamen@bench.example",
                }
                env.pop("EDUSYNC_KEYS", None)
                first = _sync(folder, env, log)
                changed = _dispensations(university)
                again = _sync(folder, env, log)
        finally:
            wiseflow.terminate()
            wiseflow.wait(10)
    figures = {
        "size": args.size,
        "exams": len(university.exams),
        "participants": sum(len(list(e.kandidater())) for e in university.exams.values()),
        "load_average": os.getloadavg()[0],
        "first_sync": first,
        "dispensations_changed": changed,
        "re_sync": again,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"{figures['exams']} exams, {figures['participants']} participants (load average {figures['load_average']:.1f})"
    )
    for name in ("first_sync", "re_sync"):
        f = figures[name]
        print(
            f"{name:>10}: {f['seconds']:7.1f} s  {f['peak_rss_mb']:5} MB  {f['wiseflow_calls']:7} WISEflow calls  "
            f"changes {f['changes']}  ({f['status']})"
        )


if __name__ == "__main__":
    main()
