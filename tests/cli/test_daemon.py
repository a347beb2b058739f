"""``edusync daemon`` as a real process on SQLite: it starts a scheduled run, serves the console meanwhile,
stops cleanly on SIGTERM with the run resumable, and on its next start finishes that run first.

The run is held at a kill point (``EDUSYNC_HOLD_AT``, the same points the fault matrix kills at) until
the process is asked to stop, so "mid-run" is a place, not a moment.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from edusync.pipeline.run import Runner
from tests.cli.test_cli import EDUSYNC, edusync
from tests.itslearning.smtp_server import free_port
from tests.workspace import Workspace

CLOCK = "2026-12-01T02:00:30"  # 03:00:30 in Oslo: the nightly start at 03:00 is due
SCHEDULES = {"nightly": {"cron": ["0 3 * * *"]}}


def wait_for(check: Callable[[], Any], what: str, proc: subprocess.Popen[str], limit: float = 180) -> Any:
    """Poll ``check`` until it gives something true; fail with ``what`` if the daemon dies or it never does."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        assert proc.poll() is None, f"the daemon exited ({proc.returncode}) before {what}"
        time.sleep(0.2)
    raise AssertionError(f"never saw {what}")


def start(ws: Workspace, port: int, log: Path, **env: str) -> subprocess.Popen[str]:
    assert EDUSYNC
    full = {k: v for k, v in os.environ.items() if k not in ("EDUSYNC_DATABASE_URL", "EDUSYNC_CONFIG")}
    full |= {"EDUSYNC_ACTOR": "tester", **env}
    args = ["--log-file", str(log), "--log-level", "info", "daemon", "--port", str(port), "--interval", "0.5"]
    return subprocess.Popen(
        [EDUSYNC, *args, "--clock", CLOCK], cwd=ws.folder, env=full, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def runs(ws: Workspace) -> list[dict[str, Any]]:
    listed = edusync("runs", "--json", cwd=ws.folder)
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)  # type: ignore[no-any-return]


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    return proc.returncode


def content(ws: Workspace) -> list[tuple[str, str, str, bytes]]:
    return sorted((x["object_type"], x["key"], x["op"], orjson.dumps(x["attrs"], option=orjson.OPT_SORT_KEYS))
                  for x in ws.out_lines())  # fmt: skip


def site(folder: Path) -> Workspace:
    ws = Workspace(folder)
    ws.settings["targets"]["lms"]["batch_size"] = 20  # many batches, so a stop falls between two
    ws.configure(schedules=SCHEDULES)
    return ws


def test_the_daemon_runs_a_due_start_serves_meanwhile_stops_on_sigterm_and_resumes(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    ws = site(tmp_path / "site")
    port, log = free_port(), tmp_path / "daemon.log"
    logged = lambda text: text in log.read_text(encoding="utf-8") if log.exists() else False  # noqa: E731

    proc = start(ws, port, log, EDUSYNC_HOLD_AT="export.recorded#2")
    try:
        wait_for(lambda: logged("holding at export.recorded"), "the scheduled run's export", proc)
        [run] = runs(ws)
        assert (run["profile"], run["status"]) == ("nightly", "running")
        base = f"http://127.0.0.1:{port}"
        health = httpx.get(f"{base}/health", timeout=30)
        assert health.status_code == 200 and health.json()["status"] == "ok", health.text
        page = httpx.get(f"{base}/login", timeout=30)
        assert page.status_code == 200 and "<form" in page.text
        assert stop(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    [stopped] = runs(ws)
    assert stopped["id"] == run["id"] and stopped["status"] == "running", "left resumable, not failed or done"
    assert stopped["finished_at"] is None
    text = log.read_text(encoding="utf-8")
    assert "SIGTERM: stopping" in text and f"it resumes on the next start (edusync resume {run['id']})" in text
    assert "daemon stopped" in text

    proc = start(ws, port, log)
    try:
        wait_for(lambda: runs(ws)[0]["status"] == "done", "the interrupted run finish", proc)
        assert stop(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert [(r["id"], r["status"]) for r in runs(ws)] == [(run["id"], "done")], "resumed, not started again"
    assert f"run {run['id']} was left by a process that is gone: resuming it first" in log.read_text(encoding="utf-8")

    clean = site(tmp_path / "clean")
    outcome = Runner(clean.loaded, clean.db).start("nightly", now=dt.datetime.fromisoformat(CLOCK + "+00:00"))
    assert outcome.status == "done"
    assert content(ws) == content(clean) != []
    clean.close()
