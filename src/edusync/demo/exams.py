"""``edusync demo --scenario exams``: the whole exam cycle against the FS and WISEflow sandboxes.

FS lists and fetches exams → edusync syncs them into WISEflow (flows, participants, assessors,
commissions, allocation, rooms, extra time) → assessors mark (played through the WISEflow
sandbox's admin route) → grades go back to FS: one is held back (not on the scale), one is
rejected by FS (its assessor is not registered on the exam), the rest are accepted; the rejected
one is corrected in WISEflow and sent again; a last export sends nothing twice.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from edusync import vault
from edusync.config.loader import load_config
from edusync.connectors.wiseflow.references import encode
from edusync.demo.env import environment
from edusync.sandbox.fs import create_app as fs_app
from edusync.sandbox.fs import generate
from edusync.sandbox.serving import serve_in_thread
from edusync.sandbox.wiseflow import create_app as wiseflow_app
from edusync.services.exams.grades import GradeExport, export_grades
from edusync.services.exams.sync import sync_exams
from edusync.storage import open_database

TEMPLATE = Path(__file__).with_name("fs-wiseflow.yaml")
TOKEN, USER, PASSWORD = "exams-demo-token", "fs-demo", "fs-demo-password"
OUTSIDER = "999001"  # an assessor WISEflow knows and FS does not


def _print_export(console: Console, title: str, report: GradeExport) -> None:
    console.print(f"[bold]{title}[/] {report.exam_id} (scale {report.scale})")
    for r in report.rows:
        why = f" {r.reason}: {r.message}" if r.reason else (f" {r.message}" if r.message else "")
        console.print(f"  {r.kandidatnr} {r.grade or '-':>12} {r.status}{why}", highlight=False)


def _mark(admin: httpx.Client, api: httpx.Client, flow_id: int) -> dict[str, int]:
    """Assessors mark: letter grades, one Ikke møtt, one grade not on the scale, one by an outsider."""
    participants = api.get(f"/flows/{flow_id}/participants", params={"limit": 100}).json()["data"]
    pids = [p["participantId"] for p in participants]
    user = {"firstName": "Ola", "lastName": "Utenfor", "roles": [2], "emails": []}
    user["externalIds"] = [
        {"userDataTypeId": 3, "value": OUTSIDER},
        {"userDataTypeId": 1, "value": "ola@annen.example"},
    ]
    outsider_user = api.post("/license/user", json=user).json()["userId"]
    outsider = api.post(f"/flows/{flow_id}/assessors", json={"userId": outsider_user}).json()["data"]["assessorId"]
    letters = "ABCDEF"
    marks: list[dict[str, Any]] = [{"participantId": p, "grade": letters[i % 6]} for i, p in enumerate(pids[3:])]
    marks += [
        {"participantId": pids[0], "adminGrade": "I"},
        {"participantId": pids[1], "grade": "Bestått"},
        {"participantId": pids[2], "grade": "C", "assessorIds": [outsider]},
    ]
    admin.post(f"/flows/{flow_id}/grades", json=marks).raise_for_status()
    return {"outsider_marked": pids[2], "not_on_scale": pids[1]}


def run_exams_demo(folder: Path | None = None, console: Console | None = None, seed: int = 1) -> dict[str, Any]:
    """Run the cycle in ``folder`` (a new temporary folder if None); return a summary of what happened."""
    console = console or Console()
    folder = folder or Path(tempfile.mkdtemp(prefix="edusync-exams-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "edusync.yaml").write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    if not (folder / "edusync.keys").exists():
        vault.create_key_file(folder / "edusync.keys")  # the template's storage.key_file
    university = generate(seed=seed, size="small")
    exam_id = university.scenario.exam_main
    with (
        serve_in_thread(fs_app(university, username=USER, password=PASSWORD)) as fs_url,
        serve_in_thread(wiseflow_app(api_token=TOKEN)) as wf_url,
        environment(
            {
                "EDUSYNC_FS_URL": fs_url,
                "EDUSYNC_FS_USER": USER,
                "EDUSYNC_FS_PASSWORD": PASSWORD,
                "EDUSYNC_WISEFLOW_URL": f"{wf_url}/v1",
                "EDUSYNC_WISEFLOW_TOKEN": TOKEN,
                "EDUSYNC_WISEFLOW_MANAGER": "eksamen@sandvoll.example",
            }
        ),
    ):
        loaded = load_config(folder / "edusync.yaml")
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        headers = {"x-api-key": TOKEN}
        with (
            httpx.Client(base_url=f"{wf_url}/v1", headers=headers) as api,
            httpx.Client(base_url=f"{wf_url}/_sandbox", headers=headers) as admin,
        ):
            console.print(f"[bold]1. FS → WISEflow[/] FS {fs_url}, WISEflow {wf_url}")
            synced = sync_exams(loaded, db)
            flows = admin.get("/summary").json()["flows"]
            console.print(f"  run {synced.run.run_id}: {synced.run.status}, {len(flows)} flows in WISEflow")
            search = {"metadata": {"externalSourceReference": encode(exam_id)}}
            flow_id = api.post("/flows/search", json=search).json()["data"][0]["flowId"]
            console.print(f"[bold]2. Marking[/] flow {flow_id} ({exam_id})")
            marked = _mark(admin, api, flow_id)
            first = export_grades(loaded, db, exam_id)
            _print_export(console, "3. Grade export:", first)
            console.print("[bold]4. The manager corrects the mark FS rejected[/] (the registered assessors)")
            admin.post(f"/flows/{flow_id}/grades", json=[{"participantId": marked["outsider_marked"], "grade": "C"}])
            second = export_grades(loaded, db, exam_id, retry_failed=True)
            _print_export(console, "5. Export again:", second)
        db.dispose()
    return {
        "folder": str(folder),
        "run": synced.run.status,
        "flows": len(flows),
        "first": {s: first.count(s) for s in ("accepted", "rejected", "invalid")},
        "second": {s: second.count(s) for s in ("accepted", "rejected", "invalid", "already_exported")},
    }
