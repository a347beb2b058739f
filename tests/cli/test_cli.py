"""The CLI through its real entry point (the installed ``edusync`` script), as an operator uses it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.connectors.pifu.conftest import assert_valid

EDUSYNC = shutil.which("edusync")


def edusync(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert EDUSYNC, "the edusync console script is not installed"
    full_env = {k: v for k, v in os.environ.items() if k not in ("EDUSYNC_DATABASE_URL", "EDUSYNC_CONFIG")}
    full_env.update({"EDUSYNC_ACTOR": "tester", "COLUMNS": "200", **(env or {})})
    return subprocess.run([EDUSYNC, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    result = edusync("init", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "site"


def test_init_refuses_to_overwrite(folder: Path) -> None:
    again = edusync("init", str(folder), cwd=folder.parent)
    assert again.returncode == 1 and "exists" in again.stderr


def test_run_json_and_run_history(folder: Path) -> None:
    result = edusync("run", "--json", cwd=folder)
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["status"] == "done" and run["profile"] == "nightly"
    assert run["counts"]["plan"]["lms/person"]["add"] == 300
    listed = json.loads(edusync("runs", "--json", cwd=folder).stdout)
    assert [r["id"] for r in listed] == [run["id"]]
    shown = edusync("runs", "show", str(run["id"]), cwd=folder)
    assert shown.returncode == 0 and "change set" in shown.stdout


def test_dry_run_prints_what_would_change(folder: Path) -> None:
    result = edusync("run", "--dry-run", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "dry run: nothing sent" in result.stdout and "lms/person" in result.stdout
    assert not (folder / "out").exists()


def test_config_is_found_by_flag_env_and_folder(folder: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    missing = edusync("runs", cwd=elsewhere)
    assert missing.returncode == 1 and "no configuration" in missing.stderr
    by_flag = edusync("runs", "--json", "--config", str(folder / "edusync.yaml"), cwd=elsewhere)
    assert by_flag.returncode == 0 and json.loads(by_flag.stdout) == []
    by_env = edusync("runs", "--json", cwd=elsewhere, env={"EDUSYNC_CONFIG": str(folder / "edusync.yaml")})
    assert by_env.returncode == 0


def test_blocked_run_exits_3_and_approve_finishes_it(folder: Path) -> None:
    assert edusync("run", cwd=folder).returncode == 0
    persons = folder / "data" / "persons.csv"
    lines = persons.read_text(encoding="utf-8").splitlines()
    persons.write_text("\n".join(lines[:-100]) + "\n", encoding="utf-8")
    blocked = edusync("run", "--json", cwd=folder)
    assert blocked.returncode == 3
    run = json.loads(blocked.stdout)
    assert run["status"] == "blocked" and run["block"]["kind"] == "input"
    refused = edusync("approve", str(run["id"]), "--expect", "ffffffffffff", cwd=folder)
    assert refused.returncode == 1 and "what was blocked is" in refused.stderr
    # No --expect and no terminal to ask in, or a prefix too short to bind: nothing goes through.
    unasked = edusync("approve", str(run["id"]), cwd=folder)
    assert unasked.returncode == 1 and "give --expect" in unasked.stderr
    short = edusync("approve", str(run["id"]), "--expect", run["block"]["hash"][:1], cwd=folder)
    assert short.returncode == 1 and "12 characters at least" in short.stderr
    nobody = edusync(
        "approve", str(run["id"]), "--expect", run["block"]["hash"], cwd=folder, env={"EDUSYNC_ACTOR": "", "USER": ""}
    )
    assert nobody.returncode == 1 and "no actor is known" in nobody.stderr
    approved = edusync("approve", str(run["id"]), "--expect", run["block"]["hash"][:12], "--json", cwd=folder)
    assert approved.returncode in (0, 3), approved.stderr  # 3 if the target's thresholds block next
    after = json.loads(approved.stdout)
    assert after["audit"][0]["actor"] == "tester" and after["audit"][0]["action"] == "approve"


def test_reject_and_show_and_trash(folder: Path) -> None:
    assert edusync("run", cwd=folder).returncode == 0
    persons = folder / "data" / "persons.csv"
    lines = persons.read_text(encoding="utf-8").splitlines()
    leaver = lines[-1].split(",")[0]
    persons.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    assert edusync("run", cwd=folder).returncode == 0
    trash = json.loads(edusync("trash", "--json", cwd=folder).stdout)
    assert [t["type"] for t in trash["items"]].count("person") == 1
    shown = json.loads(edusync("show", "person", leaver, "--json", cwd=folder).stdout)
    assert shown["state"] == "disabled"
    table = edusync("show", "person", leaver, cwd=folder).stdout
    assert "lineage" in table.lower() and "*****" in table, "the national id is shown masked"
    restored = edusync("trash", "restore", shown["id"], cwd=folder)
    assert restored.returncode == 0 and "restored" in restored.stdout
    unknown = edusync("show", "person", "NOBODY", cwd=folder)
    assert unknown.returncode == 1 and "no person" in unknown.stderr
    assert edusync("reject", "99", cwd=folder).returncode == 1


def test_config_errors_are_listed_together_with_line_numbers(folder: Path) -> None:
    config = folder / "edusync.yaml"
    text = config.read_text(encoding="utf-8")
    sis, lms, rest = text.partition("\n  lms:\n")
    text = sis + lms + rest.replace("type: files", "type: nosuch", 1)
    text = text.replace("grace_days: 0\n", "grace_days: -1\n", 1)  # the first: lifecycle.person
    config.write_text(text, encoding="utf-8")
    result = edusync("run", cwd=folder)
    assert result.returncode == 1
    assert "unknown connector type 'nosuch'" in result.stderr
    assert "lifecycle.person.grace_days" in result.stderr
    assert "edusync.yaml:" in result.stderr


@pytest.mark.parametrize("scenario", ["fint", "files"])
def test_demo_runs_three_nights_and_the_third_is_blocked(
    tmp_path: Path, scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDUSYNC_KEYS", raising=False)  # as on a new machine: the demo makes its own keys
    result = edusync("demo", "--dir", str(tmp_path / "demo"), "--scenario", scenario, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Night 1") < out.index("Night 2") < out.index("Night 3")
    assert "Blocked by the safety gate" in out
    assert (tmp_path / "demo" / "edusync.db").exists()
    runs = json.loads(edusync("runs", "--json", cwd=tmp_path / "demo").stdout)
    # The FINT demo ends by reading a university's study groups for the groups API (tests/groupsapi).
    nights = [r["status"] for r in runs if r["profile"] != "study-groups"]
    assert nights == ["blocked", "done", "done"]
    if scenario == "fint":
        assert [r["status"] for r in runs if r["profile"] == "study-groups"] == ["done"], "the university is read"
        assert "(no student with groups in the data)" not in out
        pifu = tmp_path / "demo" / "out" / "itslearning"
        files = sorted(pifu.glob("*.xml"))
        assert [f.name.rsplit("-", 1)[1] for f in files] == ["full.xml", "delta.xml"], "full first, then a delta"
        assert out.count(f"PIFU-IMS file(s) in {pifu}") == 3, "each night says where the files are"
        for path in files:
            assert_valid(path)


def test_bench_reads_the_fint_sandbox_full_then_a_day_as_a_delta(tmp_path: Path) -> None:
    result = edusync(
        "bench", "--source", "fint", "--size", "small", "--keep", str(tmp_path / "b"), "--json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert set(figures["full_steps_s"]) == {"fint:import", "sync", "lifecycle"}
    assert set(figures["delta_steps_s"]) == {"fint:import-delta", "sync", "lifecycle"}
    assert figures["full_imported"]["fint/eduPerson"]["added"] > 300
    delta = figures["delta_imported"]["fint/eduPerson"]
    assert delta["seen"] < figures["full_imported"]["fint/eduPerson"]["seen"], "the delta reads what changed"
    assert delta.get("added", 0) + delta.get("changed", 0) > 0, "the simulated day changed someone"
    assert figures["peak_rss_mb"] > 0 and figures["full_s"] > 0
    # The floor read every page of every class the connector reads (all the sandbox serves but termin).
    counts = figures["counts"]
    assert figures["floor_rows"] == sum(counts.values()) - counts["termin"]
    for run in ("full", "delta"):
        assert figures[f"{run}_ratio"] == pytest.approx(figures[f"{run}_s"] / figures["floor_s"], rel=0.02)
    assert "rerun_ratio" not in figures, "the FINT bench has no rerun"


def test_bench_refuses_an_unknown_source(tmp_path: Path) -> None:
    result = edusync("bench", "--source", "ldif", "--size", "small", cwd=tmp_path)
    assert result.returncode == 2 and "unknown source 'ldif'" in result.stderr
