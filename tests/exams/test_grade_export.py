"""Grades from WISEflow back to FS over HTTP: checked against each scale first, keyed by exam id
and kandidatnr, with the assessors' personløpenummer and the manager; rejected rows reported with
FS's reason and retried on request; nothing sent twice, not even after a lost answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from edusync.connectors.fs.scales import GradeInvalid, check
from edusync.connectors.http import ServerTrouble
from edusync.services.exams.grades import GradeExport, export_grades
from tests.exams.conftest import MANAGER, Cycle

OUTSIDER = "999001"  # a personløpenummer no FS commission has


def export(cycle: Cycle, exam_id: str, *, retry_failed: bool = False) -> GradeExport:
    return export_grades(cycle.loaded, cycle.db, exam_id, retry_failed=retry_failed)


def statuses(report: GradeExport) -> dict[str, tuple[str, str | None]]:
    return {r.kandidatnr: (r.status, r.reason) for r in report.rows}


def fs_posts(cycle: Cycle, exam_id: str) -> int:
    handled = cycle.fs_http.get("/_sandbox/requests").json()
    return int(handled.get(f"POST /vurderingsenheter/{exam_id}/resultater", 0)) + int(
        handled.get(f"POST /vurderingsenheter/{quote(exam_id, safe='')}/resultater", 0)
    )


def outsider(cycle: Cycle, flow_id: int, plnr: str | None = OUTSIDER) -> int:
    """An assessor WISEflow knows and FS has not registered on the exam (or with no FS id at all)."""
    ids: list[dict[str, Any]] = [{"userDataTypeId": 1, "value": f"ola{plnr}@annen.example"}]
    if plnr is not None:
        ids.append({"userDataTypeId": 3, "value": plnr})
    body = {"firstName": "Ola", "lastName": "Utenfor", "roles": [2], "emails": [], "externalIds": ids}
    user_id = cycle.api.post("/license/user", json=body).json()["userId"]
    return int(cycle.api.post(f"/flows/{flow_id}/assessors", json={"userId": user_id}).json()["data"]["assessorId"])


@pytest.mark.parametrize(
    ("scale", "good", "bad"),
    [
        ("A-F", ["A", "b", "F"], ["Bestått", "G", "A+", "7.5"]),
        ("BESTÅTT", ["Bestått", "ikke  bestått"], ["C", "Godkjent", "B+"]),
        ("GODKJENT", ["Godkjent", "Ikke godkjent"], ["Bestått", "7.5", "3"]),
        ("1.0-10.0", ["1", "7,5", "10.0", "9.9"], ["0.5", "10.5", "11", "B", "7.55"]),
    ],
)
def test_each_scale_valid_and_invalid(scale: str, good: list[str], bad: list[str]) -> None:
    for grade in good:
        assert not check(scale, grade, None).administrative, grade
    for grade in bad:
        with pytest.raises(GradeInvalid, match=scale.replace(".", r"\.")):
            check(scale, grade, None)
    assert check(scale, None, "A").value == "A" and check(scale, None, "Avbrutt").administrative
    assert check(scale, None, "I").value == "I" and check(scale, None, "Ikke møtt").administrative
    with pytest.raises(GradeInvalid, match="administrative"):
        check(scale, None, "X")
    with pytest.raises(GradeInvalid, match="not one edusync knows"):
        check("PERCENT", "55", None)


def test_grades_per_scale_with_assessors_and_manager(cycle: Cycle) -> None:
    assert cycle.sync().exit_code == 0
    grades = {"A-F": ("B", "Bestått"), "BESTÅTT": ("Bestått", "B+"), "GODKJENT": ("Ikke godkjent", "3")}
    grades["1.0-10.0"] = ("7,5", "0.5")
    for scale, exam_id in cycle.university.scenario.exams_by_scale.items():
        exam = cycle.university.exams[exam_id]
        flow_id = cycle.flow(exam_id)
        people = cycle.participants(flow_id)
        k = list(people)
        good, bad = grades[scale]
        cycle.mark(
            flow_id,
            [
                {"participantId": people[k[0]]["participantId"], "grade": good},
                {"participantId": people[k[1]]["participantId"], "grade": bad},
                {"participantId": people[k[2]]["participantId"], "adminGrade": "A"},
                {"participantId": people[k[3]]["participantId"], "adminGrade": "I"},
            ],
        )
        report = export(cycle, exam_id)
        assert report.scale == scale
        got = statuses(report)
        assert got[k[0]] == ("accepted", None) and got[k[2]] == got[k[3]] == ("accepted", None), (scale, got)
        assert got[k[1]] == ("invalid", "grade_not_on_scale"), "held back before sending"
        held = next(r for r in report.rows if r.kandidatnr == k[1])
        assert scale in (held.message or "")
        sent = cycle.fs_results(exam_id)
        assert set(sent) == {k[0], k[2], k[3]}, "the invalid one never reached FS"
        assert sent[k[0]]["resultatType"] == "KARAKTER" and sent[k[2]]["resultatType"] == "ADMINISTRATIV"
        assert (sent[k[2]]["karakterTekst"], sent[k[3]]["karakterTekst"]) == ("Avbrutt", "Ikke møtt")
        assert sent[k[0]]["karakter"] == {"1.0-10.0": "7.5"}.get(scale, good)
        assert all(r["saksbehandler"] == MANAGER for r in sent.values())
        assert set(sent[k[0]]["sensorer"]) <= exam.sensor_ids() and sent[k[0]]["sensorer"], "the marking assessors"
        again = export(cycle, exam_id)
        assert {r.status for r in again.rows} == {"already_exported", "invalid"}
        assert fs_posts(cycle, exam_id) == 1, "nothing exported twice"


def test_unregistered_assessor_is_rejected_then_retried(cycle: Cycle) -> None:
    assert cycle.sync().exit_code == 0
    exam_id = cycle.university.scenario.exam_main
    flow_id = cycle.flow(exam_id)
    people = cycle.participants(flow_id)
    first, second, third = (people[k]["participantId"] for k in list(people)[:3])
    stranger, nameless = outsider(cycle, flow_id), outsider(cycle, flow_id, None)
    cycle.mark(
        flow_id,
        [
            {"participantId": first, "grade": "C", "assessorIds": [stranger]},
            {"participantId": second, "grade": "D", "assessorIds": [nameless]},
            {"participantId": third, "grade": "E"},
        ],
    )
    report = export(cycle, exam_id)
    got = statuses(report)
    k1, k2, k3 = list(people)[:3]
    assert got == {
        k1: ("rejected", "assessor_not_registered"),
        k2: ("invalid", "assessor_without_fs_id"),
        k3: ("accepted", None),
    }
    rejected = next(r for r in report.rows if r.kandidatnr == k1)
    assert OUTSIDER in (rejected.message or ""), "FS's own reason, per row"
    waiting = export(cycle, exam_id)
    assert statuses(waiting)[k1] == ("rejected_earlier", "assessor_not_registered"), "waits for --retry-failed"
    assert statuses(export(cycle, exam_id, retry_failed=True))[k1] == ("rejected", "assessor_not_registered")
    # the manager lets the registered assessors mark instead; the retry goes through
    cycle.mark(flow_id, [{"participantId": first, "grade": "C"}, {"participantId": second, "grade": "D"}])
    fixed = statuses(export(cycle, exam_id, retry_failed=True))
    assert fixed == {k1: ("accepted", None), k2: ("accepted", None), k3: ("already_exported", None)}
    cycle.mark(flow_id, [{"participantId": third, "grade": "A"}])
    changed = next(r for r in export(cycle, exam_id).rows if r.kandidatnr == k3)
    assert changed.status == "changed_after_export" and "'E'" in (changed.message or "")
    assert cycle.fs_results(exam_id)[k3]["karakter"] == "E", "an accepted grade is not overwritten"


def test_exam_without_commissions_rejects_a_grade_but_takes_an_administrative_one(cycle: Cycle) -> None:
    assert cycle.sync().exit_code == 0
    lonely = cycle.university.scenario.exam_without_kommisjoner
    flow_id = cycle.flow(lonely)
    pid = next(iter(cycle.participants(flow_id).values()))["participantId"]
    cycle.mark(flow_id, [{"participantId": pid, "grade": "B"}])
    assert [(r.status, r.reason) for r in export(cycle, lonely).rows] == [("rejected", "missing_assessor")]
    cycle.mark(flow_id, [{"participantId": pid, "adminGrade": "I"}])
    assert [r.status for r in export(cycle, lonely, retry_failed=True).rows] == ["accepted"]


def test_a_lost_answer_from_fs_sends_nothing_twice(sqlite_cycle: Cycle) -> None:
    cycle = sqlite_cycle
    assert cycle.sync().exit_code == 0
    exam_id = cycle.university.scenario.exam_main
    flow_id = cycle.flow(exam_id)
    people = cycle.participants(flow_id)
    cycle.mark(flow_id, [{"participantId": p["participantId"], "grade": "B"} for p in people.values()])
    # FS stores the rows and the answer is lost on the way back
    cycle.fs_down(requests=1, mode="lost_answer", path="/resultater", method="POST")
    with pytest.raises(ServerTrouble, match="may have carried it out") as lost:
        export(cycle, exam_id)
    assert "nothing is sent twice" in str(lost.value)
    assert len(cycle.fs_results(exam_id)) == len(people), "FS stored them"
    report = export(cycle, exam_id)
    assert {r.status for r in report.rows} == {"accepted"}
    assert all("not sent again" in (r.message or "") for r in report.rows)
    assert fs_posts(cycle, exam_id) == 1, "the rows reached FS once"
    assert {r.status for r in export(cycle, exam_id).rows} == {"already_exported"}
