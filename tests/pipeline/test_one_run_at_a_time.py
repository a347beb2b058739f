"""Two runs started at the same instant: exactly one runs, and nothing is exported twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.workspace import Workspace


@pytest.fixture
def small(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A county big enough that a first run lasts seconds, so two starts surely overlap."""
    monkeypatch.setenv("EDUSYNC_DATABASE_URL", database_url)
    ws = Workspace(tmp_path / "ws", size="small")
    ws.write()
    return ws


def test_two_runs_at_once_one_runs_and_the_other_is_refused(small: Workspace) -> None:
    args = [sys.executable, "-m", "edusync", "run", "nightly", "--config", str(small.config_path)]
    env = {**os.environ, "EDUSYNC_ACTOR": "tester"}
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"]
    results = [(p.wait(timeout=600), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    refused = next(err for code, err in results if code == 1)
    assert "is still in progress" in refused
    lines = small.out_lines()
    ids = Counter(line["change_id"] for line in lines)
    assert not [i for i, n in ids.items() if n > 1], "no change was exported twice"
    runs = small.db.engine.connect().exec_driver_sql("SELECT count(*) FROM runs").scalar()
    assert runs == 1, "the refused start left no run behind"
    small.close()
