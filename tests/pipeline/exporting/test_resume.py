"""An export killed mid-way resumes on the next attempt and sends nothing twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

import pytest

from edusync.connectors import registry
from edusync.connectors.files import FilesConnector
from edusync.model.records import Change, ChangeResult
from edusync.storage import tables
from edusync.storage.runlock import RunInProgress
from tests.workspace import Workspace


def _kill_mid_export(ws: Workspace, env: dict[str, str]) -> bool:
    """Run in a child and SIGKILL it once the export has written part of its file."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "edusync", "run", "nightly", "--config", str(ws.config_path), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    out = ws.folder / "out"
    while time.monotonic() < deadline and proc.poll() is None:
        partial = list(out.glob("*.partial")) if out.exists() else []
        if partial and partial[0].stat().st_size > 20_000:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    proc.wait()
    return False


def test_killed_export_resumes_without_duplicates(workspace: Workspace) -> None:
    workspace.settings["targets"]["lms"]["batch_size"] = 50
    workspace.write()
    env = {**os.environ}
    killed = _kill_mid_export(workspace, env)
    assert killed, "the child finished before it could be killed mid-export"
    assert workspace.run_info(1)["status"] == "running"
    outcome = workspace.run(day=1)  # the next night first finishes the interrupted run
    assert outcome.status == "done", outcome.report.errors
    assert workspace.run_info(1)["status"] == "done"
    lines = workspace.out_lines()
    ids = Counter(line["change_id"] for line in lines)
    assert max(ids.values()) == 1, "no change was written twice"
    total = sum(
        len(x)
        for x in (
            workspace.county.orgs,
            workspace.county.persons,
            workspace.county.groups,
            workspace.county.memberships,
        )
    )
    assert len(lines) == total
    assert not list((workspace.folder / "out").glob("*.partial"))


class _DiesAfterWriting(FilesConnector):
    """Writes its third batch, then the process "dies" before edusync records the results."""

    batches = 0

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        results = super().export(changes)
        type(self).batches += 1
        if type(self).batches == 3:
            raise KeyboardInterrupt  # not an Exception: nothing below the runner handles it, like a kill
        return results


def test_changes_in_flight_are_confirmed_not_resent(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = sqlite_workspace
    ws.settings["targets"]["lms"]["batch_size"] = 100
    ws.write()
    types = {**registry.connector_types(), "files": _DiesAfterWriting}
    monkeypatch.setattr(registry, "connector_types", lambda: types)
    with pytest.raises(KeyboardInterrupt):
        ws.run()
    monkeypatch.undo()
    outcome = ws.resume(1)
    assert outcome.status == "done", outcome.report.errors
    assert any("100 of 100 in-flight changes were already applied" in w for w in outcome.report.warnings)
    ids = Counter(line["change_id"] for line in ws.out_lines())
    assert max(ids.values()) == 1
    assert len(ids) == sum(len(x) for x in (ws.county.orgs, ws.county.persons, ws.county.groups, ws.county.memberships))


def test_a_run_does_not_start_while_another_is_alive(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    ws.run()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with ws.db.begin() as conn:
            conn.execute(
                tables.runs.update()
                .where(tables.runs.c.id == 1)
                .values(status="running", owner=f"{socket.gethostname()}:{sleeper.pid}")
            )
        with pytest.raises(RunInProgress, match="run 1 is still in progress"):
            ws.run(day=1)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert ws.run(day=1).status == "done", "once that process is gone, the run is settled and the next one runs"
    assert ws.run_info(1)["status"] == "done"


class _RejectsSomePersons(FilesConnector):
    """A target that refuses the first few persons it is sent, as a real one refuses bad rows."""

    refuse = 0
    refused: ClassVar[set[str]] = set()

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        cls = type(self)
        for c in changes:
            if c.object_type == "person" and len(cls.refused) < cls.refuse:
                cls.refused.add(c.key)
        super().export([c for c in changes if c.key not in cls.refused])
        return [ChangeResult(c.id, c.key not in cls.refused, "target said no") for c in changes]


def test_refused_changes_are_retried_by_the_next_run(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = sqlite_workspace
    _RejectsSomePersons.refuse, _RejectsSomePersons.refused = 3, set()
    types = {**registry.connector_types(), "files": _RejectsSomePersons}
    monkeypatch.setattr(registry, "connector_types", lambda: types)
    first = ws.run()
    refused = set(_RejectsSomePersons.refused)
    assert len(refused) == 3
    assert sum("target said no" in e for e in first.report.errors) == 3, first.report.errors
    sent = {line["key"] for line in ws.out_lines()}
    assert not refused & sent

    _RejectsSomePersons.refuse, _RejectsSomePersons.refused = 0, set()
    second = ws.run(day=1)
    assert second.status == "done", second.report.errors
    lines = ws.out_lines()
    retried = [line["key"] for line in lines if line["key"] in refused]
    assert sorted(retried) == sorted(refused), "each refused person is sent once the target takes it"
    assert len(lines) == len(sent) + len(refused), "nothing that went through is sent again"
