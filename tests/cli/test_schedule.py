"""``edusync schedule`` and ``schedule tick`` on a real site, on SQLite and PostgreSQL: each start is made once."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.test_cli import edusync
from tests.workspace import Workspace

SCHEDULES = {"nightly": {"cron": ["0 3 * * *"], "skip": [{"from": "12-24", "to": "12-26", "reason": "Christmas"}]}}


def _site(workspace: Workspace) -> tuple[Path, dict[str, str]]:
    workspace.configure(schedules=SCHEDULES)
    return workspace.folder, {"EDUSYNC_DATABASE_URL": os.environ["EDUSYNC_DATABASE_URL"]}


def tick(folder: Path, env: dict[str, str], now: str) -> list[dict[str, object]]:
    result = edusync("schedule", "tick", "--json", "--now", now, cwd=folder, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_tick_makes_a_due_start_once_and_a_missed_one_once(workspace: Workspace) -> None:
    folder, env = _site(workspace)
    assert tick(folder, env, "2026-12-01T01:55:00") == []  # 02:55 in Oslo: not yet
    first = tick(folder, env, "2026-12-01T02:01:00")
    assert [(r["profile"], r["exit_code"]) for r in first] == [("nightly", 0)]
    assert tick(folder, env, "2026-12-01T02:06:00") == []  # the next tick makes nothing again
    # the machine was down for three nights: one catch-up run, not three
    missed = tick(folder, env, "2026-12-04T08:00:00")
    assert [r["start"] for r in missed] == ["2026-12-04T02:00:00+00:00"]
    listed = edusync("runs", "--json", cwd=folder, env=env)
    assert [r["profile"] for r in json.loads(listed.stdout)] == ["nightly", "nightly"]


def test_schedule_lists_the_coming_starts_and_why_one_is_skipped(workspace: Workspace) -> None:
    folder, env = _site(workspace)
    result = edusync("schedule", "--json", "--days", "5", "--now", "2026-12-22T12:00:00", cwd=folder, env=env)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["local"][:10], r["skipped"]) for r in rows] == [
        ("2026-12-23", None),
        ("2026-12-24", "skipped (Christmas): 2026-12-24 to 2026-12-26"),
        ("2026-12-25", "skipped (Christmas): 2026-12-24 to 2026-12-26"),
        ("2026-12-26", "skipped (Christmas): 2026-12-24 to 2026-12-26"),
        ("2026-12-27", None),
    ]
    text = edusync("schedule", "--days", "2", "--now", "2026-12-23T12:00:00", cwd=folder, env=env)
    assert "Christmas" in text.stdout and "nightly" in text.stdout


def test_a_schedule_for_an_unknown_profile_is_a_config_error(workspace: Workspace) -> None:
    workspace.configure(schedules={"weekly": {"cron": ["0 4 * * 0"]}})
    result = edusync("schedule", cwd=workspace.folder)
    assert result.returncode == 1 and "weekly" in result.stderr
