"""After ``edusync demo`` the folder keeps working: secrets in its ``.env`` (0600), FINT served again."""

from __future__ import annotations

import contextlib
import json
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edusync.config import dotenv
from edusync.sandbox.fint.cli import DEMO_PORT
from edusync.sandbox.serving import free_port
from tests.cli.test_cli import edusync


@contextlib.contextmanager
def fint_sandbox(port: int) -> Iterator[str]:
    """``edusync sandbox fint`` in its own process, as the demo's closing lines tell a newcomer to start it."""
    script = shutil.which("edusync")
    assert script
    proc = subprocess.Popen(
        [script, "sandbox", "fint", "--port", str(port), "--seed", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the sandbox exited"
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/_sandbox", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_demo_folder_runs_and_approves_against_the_sandbox_served_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("FINT_CLIENT_SECRET", "FINT_PASSWORD", "FINT_BASE_URL", "FINT_TOKEN_URL"):
        monkeypatch.delenv(name, raising=False)  # what the folder needs must come from its .env
    folder = tmp_path / "edusync-demo"
    shown = edusync("demo", "--dir", str(folder), "--no-serve", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert f"edusync sandbox fint --port {DEMO_PORT} --seed 1" in shown.stdout

    env_file = folder / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = dotenv.read(folder)
    assert values["FINT_BASE_URL"] == f"http://127.0.0.1:{DEMO_PORT}"
    assert {"FINT_CLIENT_SECRET", "FINT_PASSWORD"} <= set(values)
    config = (folder / "edusync.yaml").read_text(encoding="utf-8")
    assert values["FINT_CLIENT_SECRET"] not in config and "${FINT_CLIENT_SECRET}" in config

    blocked = next(r for r in json.loads(edusync("runs", "--json", cwd=folder).stdout) if r["status"] == "blocked")
    block = json.loads(edusync("runs", "show", str(blocked["id"]), "--json", cwd=folder).stdout)["block"]
    # Port 8180 may be taken on a shared machine: the environment wins over .env, so point it elsewhere.
    port = free_port()
    moved = {
        "FINT_BASE_URL": f"http://127.0.0.1:{port}",
        "FINT_TOKEN_URL": f"http://127.0.0.1:{port}/nidp/oauth/nam/token",
    }
    with fint_sandbox(port):
        approved = edusync("approve", str(blocked["id"]), "--expect", block["hash"], "--json", cwd=folder, env=moved)
        assert approved.returncode == 0, approved.stderr + approved.stdout
        assert json.loads(approved.stdout)["status"] == "done"
        again = edusync("run", "--json", cwd=folder, env=moved)
        assert again.returncode == 0, again.stderr + again.stdout


def test_a_readable_env_file_is_refused(tmp_path: Path) -> None:
    assert edusync("init", "site", cwd=tmp_path).returncode == 0
    env_file = tmp_path / "site" / ".env"
    env_file.write_text("SIS_FOLDER=data\n", encoding="utf-8")
    env_file.chmod(0o644)
    refused = edusync("runs", cwd=tmp_path / "site")
    assert refused.returncode == 1 and ".env: anyone on this machine may read it" in refused.stderr
    assert "chmod 600 .env" in refused.stderr  # the path as the config was named: here, ./edusync.yaml
    env_file.chmod(0o600)
    assert edusync("runs", cwd=tmp_path / "site").returncode == 0


def test_the_environment_wins_over_env_and_env_fills_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edusync.config.loader import load_config

    assert edusync("init", "site", cwd=tmp_path).returncode == 0
    site = tmp_path / "site"
    config = site / "edusync.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("output: out", "output: '${LMS_OUT}'", 1), "utf-8")
    dotenv.write(site, {"LMS_OUT": "from-dotenv"}, "a test")
    monkeypatch.delenv("LMS_OUT", raising=False)
    assert str(load_config(config).settings["lms"].output) == "from-dotenv"  # type: ignore[attr-defined]
    monkeypatch.setenv("LMS_OUT", "from-environment")
    assert str(load_config(config).settings["lms"].output) == "from-environment"  # type: ignore[attr-defined]
