"""``edusync demo --serve`` ends by serving the groups API; its printed curl lines work as printed."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

EDUSYNC = shutil.which("edusync")
CURL = re.compile(r'curl -s -H "Authorization: Bearer (\S+)" "(\S+)"')


def test_demo_serves_a_pupils_and_a_students_groups(tmp_path: Path) -> None:
    assert EDUSYNC, "the edusync console script is not installed"
    env = {k: v for k, v in os.environ.items() if k not in ("EDUSYNC_DATABASE_URL", "EDUSYNC_CONFIG")}
    env |= {"PYTHONUNBUFFERED": "1", "COLUMNS": "100"}
    demo = subprocess.Popen(
        [EDUSYNC, "demo", "--dir", str(tmp_path / "demo"), "--serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: list[str] = []
    try:
        deadline = time.monotonic() + 240
        assert demo.stdout is not None
        while not any("Serving the groups API" in line for line in out):
            line = demo.stdout.readline()
            assert line or demo.poll() is None, "".join(out) + (demo.stderr.read() if demo.stderr else "")
            assert time.monotonic() < deadline, "the demo did not start serving"
            out.append(line)
        text = "".join(out)
        assert "Blocked by the safety gate" in text  # the three nights ran first
        curls = CURL.findall(text)
        assert len(curls) == 2, text
        (pupil_token, pupil_url), (student_token, student_url) = curls
        assert student_url.endswith("?showAll=true")
        for _ in range(100):  # uvicorn binds right after printing the line
            try:
                pupil = httpx.get(pupil_url, headers={"Authorization": f"Bearer {pupil_token}"}, timeout=10)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        student = httpx.get(student_url, headers={"Authorization": f"Bearer {student_token}"}, timeout=10)
    finally:
        demo.send_signal(signal.SIGINT)  # Ctrl-C, as the demo tells its user
        demo.wait(timeout=30)
    assert pupil.status_code == 200 and student.status_code == 200
    kinds = {(g["type"], g.get("go_type")) for g in pupil.json()}
    assert {("fc:org", None), ("fc:orgunit", None), ("fc:gogroup", "b"), ("fc:gogroup", "u")} <= kinds
    assert all(g["membership"]["affiliation"] == "student" for g in pupil.json() if g["type"] == "fc:gogroup")
    teaching = [g for g in pupil.json() if g.get("go_type") == "u"]
    assert all(g["grep"]["code"] for g in teaching)  # the subject code flows from FINT's fag
    fs = {g["type"] for g in student.json()}
    assert {"fc:fs:prg", "fc:fs:str", "fc:fs:kull", "fc:fs:emne"} <= fs
    emne = next(g for g in student.json() if g["type"] == "fc:fs:emne")
    assert emne["url"].startswith("https://www.sandvoll.example/emne/")
    assert demo.returncode == 0, demo.stderr.read() if demo.stderr else ""
    runs = subprocess.run([EDUSYNC, "runs", "--json"], cwd=tmp_path / "demo", env=env, capture_output=True, text=True)
    assert '"study-groups"' in runs.stdout  # the university's import is a run like any other
