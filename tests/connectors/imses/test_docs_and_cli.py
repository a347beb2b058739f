"""docs/imses.md's configuration loads as written; ``edusync sandbox imses`` serves a working endpoint."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from edusync.config.loader import load_config
from edusync.connectors.imses import ImsesSettings
from edusync.errors import ConfigError
from edusync.sandbox.imses import COMBINED
from edusync.sandbox.serving import free_port
from tests.connectors.documented import documented_config
from tests.connectors.imses.conftest import Site
from tests.connectors.imses.test_export import ASE, change


def _documented(tmp_path: Path, **password: str) -> Path:
    types = ("organisation", "person", "group", "membership")
    return documented_config(tmp_path, "imses", "itslearning", types, **password)


def test_the_documented_configuration_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITSL_IMSES_USERNAME", "fylke-sync")
    monkeypatch.setenv("ITSL_IMSES_PASSWORD", "s3cret")
    loaded = load_config(_documented(tmp_path))
    settings = loaded.settings["itslearning"]
    assert isinstance(settings, ImsesSettings)
    assert settings.username == "fylke-sync" and settings.password.get_secret_value() == "s3cret"
    assert settings.endpoint("group").endswith("/ImsEnterpriseServicesPort.svc")
    assert settings.group_types == {"programfag": "Course"}


def test_a_literal_password_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITSL_IMSES_USERNAME", "fylke-sync")
    with pytest.raises(ConfigError, match=r"a secret must be an \$\{ENV_VAR\} reference"):
        load_config(_documented(tmp_path, password="i-klartekst"))


def test_edusync_sandbox_imses_serves_until_stopped(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "EDUSYNC_IMSES_SANDBOX_USERNAME": "u", "EDUSYNC_IMSES_SANDBOX_PASSWORD": "p"}
    cmd = [sys.executable, "-m", "edusync", "sandbox", "imses", "--port", str(port), "--site", "vestland"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/_sandbox/summary", auth=("u", "p")).raise_for_status()
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.2)
        site = Site(base)
        connector = site.connector(username="u", password="p")
        assert connector.export([change("person", "p1", **ASE)])[0].ok
        summary = httpx.get(f"{base}/_sandbox/summary", auth=("u", "p")).json()
        assert summary["persons"] == ["p1"] and summary["site"] == "vestland"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert f"endpoint:  {base}{COMBINED}" in out
    assert "(from EDUSYNC_IMSES_SANDBOX_PASSWORD)" in out and "password:  p\n" not in out
