"""The exam cycle end to end over HTTP: FS sandbox → engine → WISEflow sandbox → grades → FS sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from edusync.config.loader import LoadedConfig, load_config
from edusync.connectors.fs.scales import GradeInvalid, check
from edusync.demo.exams import TEMPLATE
from edusync.sandbox.fs import University, create_app, generate
from edusync.sandbox.serving import serve_in_thread
from edusync.sandbox.wiseflow import create_app as wiseflow_app
from edusync.services import queries
from edusync.services.exams_grades import export_grades
from edusync.services.exams_sync import sync_exams
from edusync.storage import Database, open_database

TOKEN = "tok"


@dataclass
class Cycle:
    university: University
    fs: str
    wf: str
    loaded: LoadedConfig
    db: Database
    api: httpx.Client
    admin: httpx.Client
    store: Any  # the WISEflow sandbox's memory, to play what a manager does in WISEflow's UI

    def flow(self, exam_id: str) -> int:
        found = self.api.post("/flows/search", json={"metadata": {"externalSourceReference": exam_id}})
        return int(found.json()["data"][0]["flowId"])

    def participants(self, flow_id: int) -> dict[str, dict[str, Any]]:
        items = self.api.get(f"/flows/{flow_id}/participants", params={"limit": 100}).json()["data"]
        return {p["uniqueExamId"]: p for p in items}

    def groups(self, flow_id: int) -> dict[str, list[int]]:
        items = self.api.get(f"/flows/{flow_id}/assessor-groups").json()["data"]
        return {g["externalId"]: sorted(g["participantIds"]) for g in items}


@pytest.fixture
def cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cycle]:
    university = generate(seed=1, size="small")
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    wf_app = wiseflow_app(api_token=TOKEN)
    with (
        serve_in_thread(create_app(university, username="u", password="p")) as fs,
        serve_in_thread(wf_app) as wf,
    ):
        env = {"EDUSYNC_FS_URL": fs, "EDUSYNC_FS_USER": "u", "EDUSYNC_FS_PASSWORD": "p"}
        env |= {"EDUSYNC_WISEFLOW_URL": f"{wf}/v1", "EDUSYNC_WISEFLOW_TOKEN": TOKEN}
        env |= {"EDUSYNC_WISEFLOW_MANAGER": "leder@sandvoll.example"}
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        text = TEMPLATE.read_text(encoding="utf-8")
        (tmp_path / "edusync.yaml").write_text(text, encoding="utf-8")
        loaded = load_config(tmp_path / "edusync.yaml")
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        headers = {"x-api-key": TOKEN}
        with (
            httpx.Client(base_url=f"{wf}/v1", headers=headers) as api,
            httpx.Client(base_url=f"{wf}/_sandbox", headers=headers) as admin,
        ):
            yield Cycle(university, fs, wf, loaded, db, api, admin, wf_app.state.store)
        db.dispose()


def test_sync_makes_flows_as_fs_says(cycle: Cycle) -> None:
    out = sync_exams(cycle.loaded, cycle.db)
    assert out.run.status == "done", out.run.report.errors
    s = cycle.university.scenario
    exam = cycle.university.exams[s.exam_main]
    flow_id = cycle.flow(s.exam_main)
    meta = cycle.api.get(f"/flows/{flow_id}/metadata").json()["data"]
    assert (meta["title"], meta["subtitle"], meta["term"], meta["code"]) == (
        exam.emnetittel,
        exam.key.emnekode,
        exam.key.tid,
        exam.key.id,
    )
    dates = cycle.api.get(f"/flows/{flow_id}/dates").json()["data"]
    assert dates["participation"]["start"] == int(exam.dato_eksamen_fra.timestamp())  # type: ignore[union-attr]
    assert dates["participation"]["end"] == int(exam.dato_eksamen_til.timestamp())  # type: ignore[union-attr]
    participants = cycle.participants(flow_id)
    assert set(participants) == {k.kandidatnr for k in exam.kandidater()}
    extra = participants[s.kandidat_with_extra_time.kandidatnr]["participantId"]
    own = cycle.api.get(f"/flows/{flow_id}/participants/{extra}/dates").json()["data"]
    assert own["participation"]["end"] > dates["participation"]["end"], "the dispensation's individual end"
    groups = cycle.groups(flow_id)
    for k in exam.kandidater():
        pid = participants[k.kandidatnr]["participantId"]
        assert pid in groups[str(k.kommisjonsid)], "allocated to FS's commission"
    bookings = cycle.api.get(f"/flows/{flow_id}/room-bookings").json()["data"]
    assert len(bookings) == len(exam.rom)
    rooms = {r["id"]: r["identifier"] for r in cycle.api.get("/license/rooms").json()["data"]}
    for b in bookings:
        seated = cycle.api.get(f"/flows/{flow_id}/room-bookings/{b['roomBookingId']}/participants").json()["data"]
        for k in exam.kandidater():
            inside = participants[k.kandidatnr]["participantId"] in seated["participantIds"]
            assert inside == (k.sted_id == rooms[b["roomId"]])
    again = sync_exams(cycle.loaded, cycle.db)
    assert again.run.status == "done" and not again.warnings
    assert cycle.participants(flow_id).keys() == participants.keys()


def test_manual_allocation_is_left_alone_then_restored(cycle: Cycle) -> None:
    sync_exams(cycle.loaded, cycle.db)
    exam_id = cycle.university.scenario.exam_main
    flow_id = cycle.flow(exam_id)
    fs_allocation = cycle.groups(flow_id)
    cycle.admin.put(f"/flows/{flow_id}/manual-allocation", json=True).raise_for_status()
    # the manager reallocates by hand in WISEflow's UI (the sandbox's store plays the UI)
    groups = list(cycle.store.flows[flow_id].assessor_groups.values())
    everyone = [p for g in groups for p in g.participant_ids]
    for g in groups:
        g.participant_ids = []
    groups[0].participant_ids = everyone[:1]
    manual = cycle.groups(flow_id)
    out = sync_exams(cycle.loaded, cycle.db)
    assert cycle.groups(flow_id) == manual, "allocations are left alone while manual"
    assert [w for w in out.warnings if f"flow {flow_id}" in w and "manual" in w]
    assert any("manual" in w for w in queries.get_run(cycle.db, out.run.run_id)["warnings"]), "in the stored report"

    cycle.admin.put(f"/flows/{flow_id}/manual-allocation", json=False).raise_for_status()
    back = sync_exams(cycle.loaded, cycle.db)
    assert not back.warnings
    assert cycle.groups(flow_id) == fs_allocation, "switching back restores FS's allocation"


def test_wiseflow_down_mid_sync_then_the_next_run_finishes_without_duplicates(cycle: Cycle) -> None:
    cycle.admin.post("/faults/down", json={"requests": 2000, "mode": "disconnect"})
    first = sync_exams(cycle.loaded, cycle.db)
    assert first.run.report.errors, "the export failed and said so"
    cycle.admin.delete("/faults")
    second = sync_exams(cycle.loaded, cycle.db)
    assert second.run.status == "done" and not second.run.report.errors
    summary = cycle.admin.get("/summary").json()["flows"]
    assert len(summary) == len(cycle.university.exams)
    exam = cycle.university.exams[cycle.university.scenario.exam_main]
    assert len(cycle.participants(cycle.flow(exam.key.id))) == len(list(exam.kandidater()))


@pytest.mark.parametrize(
    ("scale", "good", "bad"),
    [
        ("A-F", "B", "Bestått"),
        ("BESTÅTT", "Ikke bestått", "C"),
        ("GODKJENT", "Godkjent", "7.5"),
        ("1.0-10.0", "7.5", "11"),
    ],
)
def test_each_scale_valid_and_invalid(scale: str, good: str, bad: str) -> None:
    assert check(scale, good, None).value.lower() == good.lower()
    with pytest.raises(GradeInvalid, match=scale.replace(".", r"\.")):
        check(scale, bad, None)
    assert check(scale, None, "A").administrative and check(scale, None, "I").value == "I"


def test_grade_export_per_scale_rejection_and_retry(cycle: Cycle) -> None:
    sync_exams(cycle.loaded, cycle.db)
    s = cycle.university.scenario
    grades = {"A-F": ("B", "Bestått"), "BESTÅTT": ("Bestått", "B+"), "GODKJENT": ("Ikke godkjent", "3")}
    grades["1.0-10.0"] = ("7.5", "0.5")
    for scale, exam_id in s.exams_by_scale.items():
        flow_id = cycle.flow(exam_id)
        pids = [p["participantId"] for p in cycle.participants(flow_id).values()]
        good, bad = grades[scale]
        marks = [{"participantId": pids[0], "grade": good}, {"participantId": pids[1], "grade": bad}]
        marks.append({"participantId": pids[2], "adminGrade": "A"})
        cycle.admin.post(f"/flows/{flow_id}/grades", json=marks).raise_for_status()
        report = export_grades(cycle.loaded, cycle.db, exam_id)
        by_status = sorted(r.status for r in report.rows)
        assert by_status == ["accepted", "accepted", "invalid"], (scale, report.rows)
        results = httpx.get(f"{cycle.fs}/vurderingsenheter/{exam_id.replace('|', '%7C')}/resultater", auth=("u", "p"))
        sent = {r["kandidatnr"]: r for r in results.json()["items"]}
        assert {r["resultatType"] for r in sent.values()} == {"KARAKTER", "ADMINISTRATIV"}
        assert all(r["saksbehandler"] == "leder@sandvoll.example" for r in sent.values())
        assert all(r["sensorer"] for r in sent.values() if r["resultatType"] == "KARAKTER")
    # an exam with no commissions: no assessor is registered, FS rejects the grade, and says why
    lonely = s.exam_without_kommisjoner
    flow_id = cycle.flow(lonely)
    pid = next(iter(cycle.participants(flow_id).values()))["participantId"]
    cycle.admin.post(f"/flows/{flow_id}/grades", json=[{"participantId": pid, "grade": "B"}]).raise_for_status()
    first = export_grades(cycle.loaded, cycle.db, lonely)
    assert [(r.status, r.reason) for r in first.rows] == [("rejected", "missing_assessor")]
    held = export_grades(cycle.loaded, cycle.db, lonely)
    assert [r.status for r in held.rows] == ["rejected_earlier"], "a rejected row waits for --retry-failed"
    again = export_grades(cycle.loaded, cycle.db, lonely, retry_failed=True)
    assert [(r.status, r.reason) for r in again.rows] == [("rejected", "missing_assessor")]
    cycle.admin.post(f"/flows/{flow_id}/grades", json=[{"participantId": pid, "adminGrade": "I"}]).raise_for_status()
    fixed = export_grades(cycle.loaded, cycle.db, lonely, retry_failed=True)
    assert [r.status for r in fixed.rows] == ["accepted"]
    assert [r.status for r in export_grades(cycle.loaded, cycle.db, lonely).rows] == ["already_exported"]
