"""Structured logs for runs nobody watches: levels, text or JSON lines, a log file, progress as lines, masking."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from edusync.cli import logs
from edusync.model import fnr
from edusync.pipeline.context import CURRENT_RUN, CURRENT_STEP
from tests.cli.test_cli import edusync

NUMBER = fnr.generate(dt.date(2010, 5, 17), random.Random(3))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    assert edusync("init", "site", cwd=tmp_path).returncode == 0
    return tmp_path / "site"


@pytest.fixture
def root_logging() -> Iterator[None]:
    """``logs.setup`` changes this process's root logger: put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_run_off_a_terminal_writes_json_lines_with_progress_run_and_step(folder: Path) -> None:
    result = edusync("--log-format", "json", "--progress-interval", "0", "run", "--json", cwd=folder)
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)  # stdout stays the run's JSON alone
    lines = _json_lines(result.stderr)  # every stderr line is a JSON object
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    progress = [line for line in lines if line["logger"] == "edusync.progress"]
    persons = [line for line in progress if line.get("task") == "import sis/person"]
    assert persons, progress
    assert persons[-1]["done"] == persons[-1]["total"] == 300
    assert persons[-1]["run_id"] == run["id"] and persons[-1]["step"] == "sis:import"
    steps = {line["step"]: line for line in lines if line["logger"] == "edusync.pipeline.run" and "counts" in line}
    assert steps["sis:import"]["counts"]["sis/person"]["added"] == 300  # type: ignore[index]
    assert steps["lms:export"]["counts"]["lms/person"]["add"] == 300  # type: ignore[index]
    assert {line["run_id"] for line in steps.values()} == {run["id"]}


def test_the_level_from_the_environment_and_the_lines_into_a_file(folder: Path) -> None:
    log_file = folder / "logs" / "edusync.log"
    filed = edusync("--log-file", str(log_file), "run", "--dry-run", cwd=folder)
    assert filed.returncode == 0 and "edusync.pipeline.run" not in filed.stderr
    text = log_file.read_text(encoding="utf-8")
    assert " INFO edusync.pipeline.run [run 1 sis:import] run 1: sis:import done in " in text
    assert "INFO edusync.progress [run 1 sis:import] import sis/person: 300/300" in text  # off a terminal: INFO
    quiet = edusync("run", "--dry-run", "--full", cwd=folder, env={"EDUSYNC_LOG_LEVEL": "warning"})
    assert quiet.returncode == 0 and "INFO" not in quiet.stderr
    louder = edusync(
        "--log-level", "info", "run", "--dry-run", "--full", cwd=folder, env={"EDUSYNC_LOG_LEVEL": "error"}
    )
    assert "INFO edusync.progress" in louder.stderr  # the option wins over the environment


def test_an_unknown_level_is_refused(folder: Path) -> None:
    result = edusync("--log-level", "chatty", "runs", cwd=folder)
    assert result.returncode == 2 and "chatty" in result.stderr


@pytest.mark.parametrize("fmt", list(logs.Format))
def test_national_ids_are_masked_in_every_record(tmp_path: Path, root_logging: None, fmt: logs.Format) -> None:
    log_file = tmp_path / "out.log"
    logs.setup(logs.Level.info, fmt, log_file)
    log = logging.getLogger("edusync.test")
    log.warning("person %s joined", NUMBER, extra={"counts": {NUMBER: 1}, "task": f"import {NUMBER}"})
    try:
        raise ValueError(f"bad {NUMBER}")
    except ValueError:
        log.exception("while reading %s", "x")
    text = log_file.read_text(encoding="utf-8")
    assert NUMBER not in text and fnr.mask(NUMBER) in text
    if fmt == logs.Format.json:
        first = _json_lines(text)[0]
        assert first["level"] == "warning" and first["logger"] == "edusync.test"
        assert first["message"] == f"person {fnr.mask(NUMBER)} joined"


def test_a_record_names_the_run_and_step_it_was_written_under(tmp_path: Path, root_logging: None) -> None:
    log_file = tmp_path / "out.log"
    logs.setup(logs.Level.debug, logs.Format.json, log_file)
    run, step = CURRENT_RUN.set(7), CURRENT_STEP.set("fint:import")
    try:
        logging.getLogger("edusync.connectors.http").warning("retrying")
    finally:
        CURRENT_RUN.reset(run)
        CURRENT_STEP.reset(step)
    logging.getLogger("edusync.x").info("outside")
    inside, outside = _json_lines(log_file.read_text(encoding="utf-8"))
    assert (inside["run_id"], inside["step"]) == (7, "fint:import")
    assert "run_id" not in outside and "step" not in outside


def test_progress_lines_come_at_most_every_interval_and_at_the_end(tmp_path: Path, root_logging: None) -> None:
    log_file = tmp_path / "out.log"
    logs.setup(logs.Level.info, logs.Format.json, log_file)
    clock = iter([0.0, 1.0, 2.0, 11.0, 12.0, 13.0])
    progress = logs.ProgressLog(interval=10, clock=lambda: next(clock))
    for done in (100, 200, 300, 400, 500, 600):
        progress("import sis/person", done, 600)
    lines = _json_lines(log_file.read_text(encoding="utf-8"))
    assert [line["done"] for line in lines] == [100, 400, 600]  # the first, one after 10 s, the end
    assert lines[-1]["rate"] == round(600 / 13, 1) and lines[-1]["total"] == 600


def test_a_log_file_is_appended_to(tmp_path: Path, root_logging: None) -> None:
    log_file = tmp_path / "out.log"
    log_file.write_text("earlier\n", encoding="utf-8")
    logs.setup(logs.Level.info, logs.Format.text, log_file)
    logging.getLogger("edusync.x").info("later")
    text = log_file.read_text(encoding="utf-8")
    assert text.startswith("earlier\n") and text.rstrip().endswith("INFO edusync.x later")
