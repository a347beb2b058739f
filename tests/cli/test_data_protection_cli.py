"""Masked national ids where a person reads (item 12) and the audit log's command (item 15), as a person runs them.

A files source anchored on ``fnr`` is the hard case: the anchor itself is a national id, and it
showed up in a duplicate-anchor error, in ``show``'s sources and in ``--json``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from edusync.model import fnr
from tests.workspace import Workspace


def edusync(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("EDUSYNC_DATABASE_URL", "EDUSYNC_CONFIG")}
    env |= {"EDUSYNC_ACTOR": "tester", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "edusync", *args, "--config", str(ws.config_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def by_fnr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The demo's school, its persons anchored on their national id."""
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    ws = Workspace(tmp_path / "ws")
    ws.county.persons = [p for p in ws.county.persons if p[1]]
    ws.settings["connectors"]["sis"]["settings"]["types"] = {
        "organisation": {"file": "orgs"},
        "person": {"file": "persons", "anchor": "fnr"},
        "group": {"file": "groups"},
        "membership": {"file": "memberships"},
    }
    ws.write()
    return ws


def test_show_by_a_national_id_anchor_masks_it_in_sources_lineage_and_json(by_fnr: Workspace) -> None:
    assert edusync(by_fnr, "run").returncode == 0
    number = by_fnr.county.persons[0][1]
    shown = edusync(by_fnr, "show", "person", number)
    as_json = edusync(by_fnr, "show", "person", number, "--json")
    assert shown.returncode == 0 and as_json.returncode == 0, shown.stderr
    for out in (shown.stdout, as_json.stdout):
        assert number not in out and number[:6] + "*****" in out
    view = orjson.loads(as_json.stdout)
    assert view["sources"][0][2] == number[:6] + "*****"
    assert {e["anchor"] for e in view["lineage"].values()} == {number[:6] + "*****"}


def test_an_unknown_national_id_is_masked_in_the_error(by_fnr: Workspace) -> None:
    assert edusync(by_fnr, "run").returncode == 0
    unknown = fnr.generate(dt.date(1990, 5, 17), random.Random(3))
    answer = edusync(by_fnr, "show", "person", unknown)
    assert answer.returncode == 1
    assert unknown not in answer.stderr and f"'{unknown[:6]}*****'" in answer.stderr


def test_a_duplicate_national_id_anchor_is_masked_in_the_error_and_the_report(by_fnr: Workspace) -> None:
    twin = list(by_fnr.county.persons[1])
    twin[0] = "P9999999"
    twin[1] = by_fnr.county.persons[0][1]
    by_fnr.county.persons.append(twin)
    by_fnr.write()
    number = twin[1]
    printed = edusync(by_fnr, "run")
    as_json = edusync(by_fnr, "run", "--json")
    assert printed.returncode == as_json.returncode == 1
    assert f"duplicate anchor '{number[:6]}*****'" in printed.stdout + printed.stderr
    assert number not in printed.stdout + printed.stderr + as_json.stdout + as_json.stderr
    history = edusync(by_fnr, "runs", "--json")
    assert number not in history.stdout and "duplicate anchor" in history.stdout


def test_audit_lists_exports_with_who_what_and_where_and_filters(by_fnr: Workspace) -> None:
    assert edusync(by_fnr, "run").returncode == 0
    entries = orjson.loads(edusync(by_fnr, "audit", "--json").stdout)
    export = next(e for e in entries if e["action"] == "export")
    assert export["actor"] == "tester" and export["run_id"] == 1 and export["change_set_id"] == 1
    assert export["detail"]["target"] == "lms" and export["detail"]["status"] == "done"
    assert export["detail"]["changes"]["add"]["done"] == len(by_fnr.out_lines())
    assert "export" in edusync(by_fnr, "audit").stdout
    assert edusync(by_fnr, "run", "--now", "2026-08-18T02:00:00").returncode == 0  # nothing new: nothing sent
    assert len(orjson.loads(edusync(by_fnr, "audit", "--action", "export", "--json").stdout)) >= 1
    assert len(orjson.loads(edusync(by_fnr, "audit", "--limit", "1", "--json").stdout)) == 1
    assert orjson.loads(edusync(by_fnr, "audit", "--since", "2999-01-01", "--json").stdout) == []
    wrong = edusync(by_fnr, "audit", "--action", "nonsense")
    assert wrong.returncode == 1 and "grade-export" in wrong.stderr
