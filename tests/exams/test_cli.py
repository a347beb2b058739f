"""``edusync exams …`` as the exam office runs it: the installed script in a subprocess, against
``edusync sandbox fs`` and ``edusync sandbox wiseflow`` started the same way, over loopback."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from edusync import vault
from edusync.connectors.wiseflow.references import encode
from edusync.demo.exams import TEMPLATE
from edusync.sandbox.serving import free_port

EDUSYNC = shutil.which("edusync")
FS_USER, FS_PASSWORD, TOKEN = "kontor", "fs-cli-password", "wf-cli-token"
ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


def edusync(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    assert EDUSYNC, "the edusync console script is not installed (activate the venv)"
    full = {k: v for k, v in os.environ.items() if k not in ("EDUSYNC_DATABASE_URL", "EDUSYNC_CONFIG")}
    full |= {"EDUSYNC_ACTOR": "eksamenskontoret", "COLUMNS": "250", **(env or {})}
    return subprocess.run([EDUSYNC, *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout)


@dataclass
class Sandboxes:
    fs: str
    wf: str
    env: dict[str, str]
    fs_http: httpx.Client
    wf_admin: httpx.Client
    wf_api: httpx.Client


def _start(args: list[str], env: dict[str, str], ready: str, log: Path) -> subprocess.Popen[bytes]:
    assert EDUSYNC
    with log.open("wb") as out:  # the access log goes to a file, so a full pipe never stalls the server
        process = subprocess.Popen([EDUSYNC, *args], env={**os.environ, **env}, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(ready, timeout=1)
            return process
        except httpx.TransportError:
            assert process.poll() is None, f"{args} exited with {process.returncode}"
            assert time.monotonic() < deadline, f"{args} did not start"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandboxes]:
    logs = tmp_path_factory.mktemp("sandbox-logs")
    fs_port, wf_port = free_port(), free_port()
    secrets = {"EDUSYNC_FS_SANDBOX_USER": FS_USER, "EDUSYNC_FS_SANDBOX_PASSWORD": FS_PASSWORD}
    secrets["EDUSYNC_WISEFLOW_SANDBOX_TOKEN"] = TOKEN
    fs, wf = f"http://127.0.0.1:{fs_port}", f"http://127.0.0.1:{wf_port}"
    started = [
        _start(
            ["sandbox", "fs", "--port", str(fs_port), "--seed", "1", "--size", "small"],
            secrets,
            f"{fs}/version",
            logs / "fs.log",
        ),
        _start(["sandbox", "wiseflow", "--port", str(wf_port)], secrets, f"{wf}/v1/license/roles", logs / "wf.log"),
    ]
    env = {"EDUSYNC_FS_URL": fs, "EDUSYNC_FS_USER": FS_USER, "EDUSYNC_FS_PASSWORD": FS_PASSWORD}
    env |= {"EDUSYNC_WISEFLOW_URL": f"{wf}/v1", "EDUSYNC_WISEFLOW_TOKEN": TOKEN}
    env |= {"EDUSYNC_WISEFLOW_MANAGER": "eksamen@sandvoll.example"}
    headers = {"x-api-key": TOKEN}
    with (
        httpx.Client(base_url=fs, auth=(FS_USER, FS_PASSWORD), timeout=10) as fs_http,
        httpx.Client(base_url=f"{wf}/_sandbox", headers=headers, timeout=10) as wf_admin,
        httpx.Client(base_url=f"{wf}/v1", headers=headers, timeout=10) as wf_api,
    ):
        yield Sandboxes(fs, wf, env, fs_http, wf_admin, wf_api)
    for process in started:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """A folder with the fs-wiseflow profile (short retries) and its own SQLite database."""
    config = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    for name in ("fs", "wiseflow"):
        config["connectors"][name]["settings"].update(retries=1, backoff=0.01, timeout=5)
    (tmp_path / "edusync.yaml").write_text(
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return tmp_path


def test_init_writes_the_fs_wiseflow_profile(tmp_path: Path) -> None:
    made = edusync("exams", "init", "eksamen", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    written = tmp_path / "eksamen" / "edusync.yaml"
    assert written.read_text(encoding="utf-8") == TEMPLATE.read_text(encoding="utf-8")
    named = yaml.safe_load(written.read_text(encoding="utf-8"))["storage"]["key_file"]
    keys = tmp_path / "eksamen" / named
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600, "the folder's keys are readable by their owner only"
    data_keys, join = vault.parse_keys(keys.read_text(encoding="utf-8"), str(keys))
    assert data_keys and join, "a key file the vault reads: a join key and a data key"
    made_keys = keys.read_text(encoding="utf-8")
    again = edusync("exams", "init", "eksamen", cwd=tmp_path)
    assert again.returncode == 1 and "exists" in again.stderr
    assert edusync("exams", "init", "eksamen", "--force", cwd=tmp_path).returncode == 0
    assert keys.read_text(encoding="utf-8") == made_keys, "--force keeps the keys: what they sealed stays readable"
    unset = edusync("exams", "list", cwd=tmp_path / "eksamen", env={"EDUSYNC_FS_URL": ""})
    assert unset.returncode == 1 and "EDUSYNC_FS" in unset.stderr, "the profile's secrets come from the environment"


def run_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_list_and_fetch(sandboxes: Sandboxes, office: Path) -> None:
    env = sandboxes.env
    listed = edusync("exams", "list", "--json", cwd=office, env=env)
    assert listed.returncode == 0, listed.stderr
    fs_items = sandboxes.fs_http.get("/vurderingsenheter", params={"limit": 0}).json()["items"]
    assert [e["id"] for e in run_json(listed)] == [e["id"] for e in fs_items]
    spring = run_json(edusync("exams", "list", "--term", "2026  vår", "--json", cwd=office, env=env))
    assert spring and {e["tid"] for e in spring} == {"2026 VÅR"}
    table = edusync("exams", "list", cwd=office, env=env)
    assert table.returncode == 0 and fs_items[0]["id"] in table.stdout and fs_items[0]["emnetittel"] in table.stdout

    main = sandboxes.fs_http.get("/_sandbox/scenario").json()["examMain"]
    fetched = edusync("exams", "fetch", main, "--json", cwd=office, env=env)
    assert fetched.returncode == 0, fetched.stderr
    exam = run_json(fetched)
    detail = sandboxes.fs_http.get(f"/vurderingsenheter/{main.replace('|', '%7C')}").json()
    assert (exam["examId"], exam["title"], exam["subTitle"], exam["term"]) == (
        main,
        detail["emnetittel"],
        detail["emnekode"],
        detail["tid"],
    )
    assert exam["gradeType"] == detail["karakterskala"] and exam["testType"] == detail["vurdkombtittel"]
    assert exam["participants"] == sum(len(g["kandidater"]) for g in detail["vurderingsgrupper"])
    shown = edusync("exams", "fetch", main.replace("|", " | "), cwd=office, env=env)
    assert shown.returncode == 0 and detail["emnetittel"] in shown.stdout
    assert not ELEVEN_DIGITS.search(shown.stdout + exam.__repr__()), "no fødselsnummer on screen"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["exams", "list", "--term", "2026 SOMMER"], "'SOMMER' is not a term FS knows (VÅR, HØST)"),
        (["exams", "fetch", "9001|INF1000|SKR|2026 VÅR"], "expected institusjonsnr|emnekode|versjonskode"),
        (["exams", "fetch", "9001|NOPE1000|1|SKR|2026 VÅR"], "FS: exam 9001|NOPE1000|1|SKR|2026 VÅR: 404 Not Found"),
        (["exams", "export-grades", "9001|INF1000|1|SKR|25 HØST"], "term '25 HØST' is not of the form 'YYYY TTT'"),
    ],
)
def test_bad_keys_and_terms_exit_1_naming_them(
    sandboxes: Sandboxes, office: Path, args: list[str], message: str
) -> None:
    result = edusync(*args, cwd=office, env=sandboxes.env)
    assert result.returncode == 1 and message in " ".join(result.stderr.split()), result.stderr


def test_wrong_fs_password_names_fs(sandboxes: Sandboxes, office: Path) -> None:
    result = edusync("exams", "list", cwd=office, env={**sandboxes.env, "EDUSYNC_FS_PASSWORD": "wrong"})
    assert result.returncode == 1 and "FS" in result.stderr and "401 Unauthorized" in result.stderr


def test_sync_allocation_and_grade_export_with_retry(sandboxes: Sandboxes, office: Path) -> None:
    env, api, admin = sandboxes.env, sandboxes.wf_api, sandboxes.wf_admin
    synced = edusync("exams", "sync", "--json", cwd=office, env=env)
    run = run_json(synced)
    assert synced.returncode == 0, (run["errors"], run["warnings"])
    assert run["status"] == "done" and run["profile"] == "fs-wiseflow" and not run["errors"]
    assert run["counts"]["allocation"]["wiseflow"]["in_sync"] >= 1

    main = sandboxes.fs_http.get("/_sandbox/scenario").json()["examMain"]
    search = {"metadata": {"externalSourceReference": encode(main)}}
    flow_id = api.post("/flows/search", json=search).json()["data"][0]["flowId"]
    groups = api.get(f"/flows/{flow_id}/assessor-groups").json()["data"]
    fs_allocation = {g["id"]: sorted(g["participantIds"]) for g in groups}
    # the manager empties a commission, then takes allocation over ("Tildelt fra SIS" → manual)
    api.delete(f"/flows/{flow_id}/assessor-groups/{groups[0]['id']}/allocations/participants").raise_for_status()
    admin.put(f"/flows/{flow_id}/manual-allocation", json=True).raise_for_status()
    manual = edusync("exams", "sync", cwd=office, env=env)
    assert manual.returncode == 0, manual.stderr
    assert f"warning: wiseflow: flow {flow_id}" in manual.stdout and "manual assessor allocation" in manual.stdout
    assert api.get(f"/flows/{flow_id}/assessor-groups/{groups[0]['id']}").json()["data"]["participantIds"] == []
    admin.put(f"/flows/{flow_id}/manual-allocation", json=False).raise_for_status()
    restored = edusync("exams", "sync", cwd=office, env=env)
    assert restored.returncode == 0 and "manual" not in restored.stdout
    after = {g["id"]: sorted(g["participantIds"]) for g in api.get(f"/flows/{flow_id}/assessor-groups").json()["data"]}
    assert after == fs_allocation, "switching back restores FS's allocation"

    participants = api.get(f"/flows/{flow_id}/participants", params={"limit": 100}).json()["data"]
    user = {"firstName": "Ola", "lastName": "Utenfor", "roles": [2], "emails": []}
    user["externalIds"] = [{"userDataTypeId": 3, "value": "999001"}]
    stranger_user = api.post("/license/user", json=user).json()["userId"]
    stranger = api.post(f"/flows/{flow_id}/assessors", json={"userId": stranger_user}).json()["data"]["assessorId"]
    marks = [{"participantId": p["participantId"], "grade": "B"} for p in participants[1:]]
    marks.append({"participantId": participants[0]["participantId"], "grade": "C", "assessorIds": [stranger]})
    admin.post(f"/flows/{flow_id}/grades", json=marks).raise_for_status()
    first = edusync("exams", "export-grades", main, "--json", cwd=office, env=env)
    assert first.returncode == 1, "a row FS rejected makes the export fail"
    rows = {r["kandidatnr"]: r for r in run_json(first)["rows"]}
    rejected = rows[participants[0]["uniqueExamId"]]
    assert (rejected["status"], rejected["reason"]) == ("rejected", "assessor_not_registered")
    assert {r["status"] for k, r in rows.items() if k != participants[0]["uniqueExamId"]} == {"accepted"}
    table = edusync("exams", "export-grades", main, cwd=office, env=env)
    assert table.returncode == 1 and "rejected_earlier" in table.stdout and "assessor_not_registered" in table.stdout

    admin.post(f"/flows/{flow_id}/grades", json=[{"participantId": participants[0]["participantId"], "grade": "C"}])
    retried = edusync("exams", "export-grades", main, "--retry-failed", "--json", cwd=office, env=env)
    assert retried.returncode == 0, retried.stdout
    statuses = {r["status"] for r in run_json(retried)["rows"]}
    assert statuses == {"accepted", "already_exported"}
    held = sandboxes.fs_http.get(f"/vurderingsenheter/{main.replace('|', '%7C')}/resultater").json()["items"]
    assert len(held) == len(participants)
    posts = [n for k, n in sandboxes.fs_http.get("/_sandbox/requests").json().items() if k.startswith("POST")]
    assert sum(posts) == 2, "two exports sent rows; the one between sent nothing"


def test_sync_exits_1_naming_wiseflow_when_it_is_down(sandboxes: Sandboxes, office: Path) -> None:
    sandboxes.wf_admin.post("/faults/down", json={"requests": 100_000, "mode": "status"}).raise_for_status()
    try:
        result = edusync("exams", "sync", cwd=office, env=sandboxes.env)
    finally:
        sandboxes.wf_admin.delete("/faults")
    assert result.returncode == 1
    assert "error: wiseflow:" in result.stdout and "WISEflow" in result.stdout and "HTTP 503" in result.stdout


def test_demo_runs_the_whole_cycle(tmp_path: Path) -> None:
    result = edusync("demo", "--scenario", "exams", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1. FS → WISEflow" in out and "done" in out
    assert "grade_not_on_scale" in out and "assessor_not_registered" in out
    assert "5. Export again:" in out and "accepted" in out
    assert (tmp_path / "demo" / "edusync.yaml").exists()
    assert not ELEVEN_DIGITS.search(out), "no fødselsnummer on screen"
