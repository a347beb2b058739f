"""Errors a newcomer meets: an unset variable, a YAML typo, a server that does not answer."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest

from edusync.config.loader import load_config
from edusync.connectors.http import ServerTrouble, request
from edusync.errors import ConfigError
from edusync.sandbox.serving import free_port
from tests.cli.test_cli import edusync

EXAM_VARIABLES = {
    "EDUSYNC_FS_URL": "connectors.fs.settings.base_url",
    "EDUSYNC_FS_USER": "connectors.fs.settings.username",
    "EDUSYNC_FS_PASSWORD": "connectors.fs.settings.password",
    "EDUSYNC_WISEFLOW_URL": "connectors.wiseflow.settings.base_url",
    "EDUSYNC_WISEFLOW_TOKEN": "connectors.wiseflow.settings.api_token",
    "EDUSYNC_WISEFLOW_MANAGER": "connectors.wiseflow.settings.manager",
}


@pytest.fixture
def exams(tmp_path: Path) -> Path:
    assert edusync("exams", "init", "exams", cwd=tmp_path).returncode == 0
    folder = tmp_path / "exams"
    assert (folder / "edusync.keys").exists(), "exams init writes the key file its profile names"
    return folder


def test_each_unset_variable_is_named_once_with_its_file_line_and_field(
    exams: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in EXAM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    result = edusync("exams", "list", cwd=exams, env={"EDUSYNC_FS_USER": "fs"})
    assert result.returncode == 1
    config_lines = (exams / "edusync.yaml").read_text(encoding="utf-8").splitlines()
    for name, field in EXAM_VARIABLES.items():
        if name == "EDUSYNC_FS_USER":
            assert name not in result.stderr  # set in the environment
            continue
        line = next(i for i, text in enumerate(config_lines, start=1) if "${" + name + "}" in text)
        assert result.stderr.count(name) == 1, result.stderr
        assert f"edusync.yaml:{line}: {field}: environment variable {name} is not set" in result.stderr
    assert "at least 1 character" not in result.stderr  # the empty value is not reported a second time
    # A command that opens no connector does not need them.
    listed = edusync("runs", "--json", cwd=exams)
    assert listed.returncode == 0, listed.stderr


def test_a_yaml_error_names_the_file_and_line(tmp_path: Path) -> None:
    assert edusync("init", "site", cwd=tmp_path).returncode == 0
    config = tmp_path / "site" / "edusync.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    broken = next(i for i, text in enumerate(lines) if text.startswith("connectors:")) + 1
    lines.insert(broken, "  sis: [unclosed")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = edusync("runs", cwd=tmp_path / "site")
    assert result.returncode == 1
    assert "<unicode string>" not in result.stderr
    assert re.search(r"edusync\.yaml:\d+:\d+: not valid YAML: ", result.stderr), result.stderr
    with pytest.raises(ConfigError) as info:
        load_config(config)
    (problem,) = info.value.problems
    line = int(problem.removeprefix(f"{config}:").split(":")[0])
    assert line > broken  # at or after the line with the unclosed flow, where the parser noticed


def test_an_unreachable_server_is_named_with_how_long_it_was_tried(caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()  # nobody listens here
    caplog.set_level(logging.WARNING, logger="edusync.connectors.http")
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client, pytest.raises(ServerTrouble) as info:
        request(client, "GET", "/things", what="the things", system="X", retries=2, backoff=0.05)
    message = str(info.value)
    assert re.fullmatch(
        rf"X: the things: ConnectError after 3 attempts; could not connect to 127\.0\.0\.1:{port} "
        r"for \d+\.\d s, then gave up",
        message,
    ), message
    retries = [r.getMessage() for r in caplog.records if r.name == "edusync.connectors.http"]
    assert len(retries) == 2 and all(f"127.0.0.1:{port}" in r and "retrying in" in r for r in retries)
    assert "attempt 2 of 3" in retries[0] and "attempt 3 of 3" in retries[1]
