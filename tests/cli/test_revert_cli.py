"""``edusync revert`` and ``edusync holds`` from the command line: a dry run, the hash, holds and their release."""

from __future__ import annotations

import json

from tests.cli.test_cli import edusync
from tests.pipeline.reverting.helpers import delete_30_percent
from tests.workspace import Workspace


def test_revert_from_the_command_line(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    ws.run()
    run_id, gone = delete_30_percent(ws)
    ws.close()
    where = ws.folder
    dry = edusync("revert", str(run_id), "--dry-run", "--json", cwd=where)
    assert dry.returncode == 0, dry.stderr
    [plan] = json.loads(dry.stdout)
    assert plan["target"] == "lms" and plan["counts"]["person"] == {"restore": len(gone)}
    text = edusync("revert", str(run_id), "--dry-run", cwd=where)
    assert f"(hash {plan['hash'][:12]})" in text.stdout
    unnamed = edusync("revert", str(run_id), cwd=where)  # not a terminal, no hash named: refused
    assert unnamed.returncode == 1 and "--expect" in unnamed.stderr
    wrong = edusync("revert", str(run_id), "--expect", "000000000000", cwd=where)
    assert wrong.returncode == 1
    done = edusync("revert", str(run_id), "--hold", "--expect", plan["hash"][:12], "--json", cwd=where)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "done"
    held = json.loads(edusync("holds", "list", "--json", cwd=where).stdout)
    assert len([h for h in held if h["object_type"] == "person"]) == len(gone)
    assert "revert of run" in edusync("holds", cwd=where).stdout
    neither = edusync("holds", "release", cwd=where)
    assert neither.returncode == 2
    released = edusync("holds", "release", "--all", cwd=where)
    assert released.returncode == 0 and f"Released {len(held)} holds" in released.stdout
    assert edusync("holds", cwd=where).stdout.strip() == "Nothing is held."
    again = edusync("holds", "release", "--all", cwd=where)
    assert again.returncode == 1 and "nothing is held" in again.stderr
