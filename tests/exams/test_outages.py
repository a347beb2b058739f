"""A sandbox that goes down, answers garbage, loses answers or times out in the middle of a sync:
the run stops sending and says which system failed; what was stored or sent stays, nothing is
sent twice, and the next sync finishes the job."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select, text

from edusync.storage import tables
from tests.exams.conftest import Cycle


def staged(cycle: Cycle) -> int:
    with cycle.db.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.cs_objects)).scalar_one())


def writes(cycle: Cycle) -> int:
    return sum(n for k, n in cycle.handled().items() if not k.startswith("GET") and "/search" not in k)


def assert_complete_without_duplicates(cycle: Cycle) -> None:
    """Every exam has one flow with each candidate, commission and room booking once; each person is one user."""
    exams = cycle.university.exams
    handled = cycle.handled()
    assert handled["POST /v1/license/create/flow"] <= len(exams), "no flow was created twice"
    assert len(cycle.store.flows) == len(exams)
    people = {k.person.personlopenummer for e in exams.values() for k in e.kandidater()}
    people |= {s.person.personlopenummer for e in exams.values() for c in e.kommisjoner for s in c.sensorer}
    assert len(cycle.store.users) == len(people) + 1, "one user per person, plus the manager"
    for exam in exams.values():
        flow = cycle.store.flows[cycle.flow(exam.key.id)]
        assert len(flow.external_sources) == 2
        numbers = Counter(p.unique_exam_id for p in flow.participants.values())
        assert numbers == Counter(k.kandidatnr for k in exam.kandidater()), exam.key.id
        assert len({p.user_id for p in flow.participants.values()}) == len(flow.participants)
        assert len(flow.assessor_groups) == len(exam.kommisjoner), "no group was created twice"
        assert sorted(cycle.group_map(flow.id)) == sorted(str(c.id) for c in exam.kommisjoner)
        assert set(cycle.group_map(flow.id).values()) == set(flow.assessor_groups)
        assert len(flow.room_bookings) == len(exam.rom)
        assert handled.get(f"POST /v1/flows/{flow.id}/participants", 0) <= len(flow.participants)


def test_wiseflow_down_mid_sync_then_the_next_sync_finishes(cycle: Cycle) -> None:
    cycle.wiseflow_down(after=270, requests=100_000, mode="disconnect")  # among the participants
    first = cycle.sync()
    assert first.exit_code == 1, "the exam office learns that flows are behind"
    errors = first.run.report.errors
    assert errors and all("WISEflow" in e for e in errors), errors
    # a read or an idempotent write was tried three times; a create that may have arrived only once
    tried = ("RemoteProtocolError after 3 attempts", "RemoteProtocolError after 1 attempt; WISEflow may have carried")
    assert any(t in e for e in errors for t in tried), errors
    with cycle.db.begin() as conn:  # the report shows the first few; each change keeps its own reason
        untried = conn.execute(text("SELECT count(*) FROM changes WHERE error LIKE 'not sent:%'")).scalar_one()
    assert untried > 0, "the rest was not even tried"
    added = sum(len(f.participants) for f in cycle.store.flows.values())
    total = sum(len(list(e.kandidater())) for e in cycle.university.exams.values())
    assert 0 < added < total, "it broke down in the middle"
    cycle.admin.delete("/faults").raise_for_status()
    second = cycle.sync()
    assert second.exit_code == 0 and not second.run.report.errors, second.run.report.errors
    assert_complete_without_duplicates(cycle)
    before = writes(cycle)
    assert cycle.sync().exit_code == 0 and writes(cycle) == before, "a third night has nothing left to send"


@pytest.mark.parametrize("path", ["/license/create/flow", "/participants", "/assessor-groups", "/room-bookings"])
def test_a_lost_wiseflow_answer_creates_nothing_twice(sqlite_cycle: Cycle, path: str) -> None:
    cycle = sqlite_cycle
    cycle.wiseflow_down(after=2, requests=1, mode="lost_answer", path=path, method="POST")
    first = cycle.sync()
    assert first.exit_code == 1
    assert any("may have carried it out" in e for e in first.run.report.errors), first.run.report.errors
    cycle.admin.delete("/faults")
    assert cycle.sync().exit_code == 0
    assert_complete_without_duplicates(cycle)


def test_wiseflow_garbage_and_timeouts_are_named_and_retried_next_night(sqlite_cycle: Cycle) -> None:
    cycle = sqlite_cycle
    cycle.wiseflow_down(after=200, requests=1, mode="malformed")
    garbled = cycle.sync()
    assert garbled.exit_code == 1
    assert any("WISEflow sent malformed JSON for" in e for e in garbled.run.report.errors), garbled.run.report.errors
    cycle.configure("wiseflow", timeout=0.3)
    cycle.admin.post("/faults/delay", json={"seconds": 1, "requests": 5}).raise_for_status()
    slow = cycle.sync()
    assert slow.exit_code == 1
    assert any("WISEflow" in e and "Timeout after 3 attempts" in e for e in slow.run.report.errors)
    cycle.admin.delete("/faults")
    assert cycle.sync().exit_code == 0
    assert_complete_without_duplicates(cycle)


def test_fs_down_mid_import_stages_and_sends_nothing(cycle: Cycle) -> None:
    assert cycle.sync().exit_code == 0
    before_staged, before_writes = staged(cycle), writes(cycle)
    exam = cycle.university.exams[cycle.university.scenario.exam_main]
    for gruppe in exam.vurderingsgrupper:  # a change FS would have sent, had it stayed up
        gruppe.kandidater = gruppe.kandidater[1:]
    cycle.fs_down(after=5, requests=10_000, mode="disconnect")
    broken = cycle.sync()
    assert broken.run.status == "failed" and broken.exit_code == 1
    [error] = broken.run.report.errors
    assert error.startswith("fs:import: FS: ") and "after 3 attempts" in error, error
    assert staged(cycle) == before_staged, "nothing staged from a failed import"
    assert writes(cycle) == before_writes, "nothing sent to WISEflow"
    cycle.fs_http.delete("/_sandbox/faults")
    healed = cycle.sync()
    assert healed.exit_code == 0, healed.run.report.errors
    active = [p for p in cycle.participants(cycle.flow(exam.key.id)).values() if p["activated"]]
    assert len(active) == len(list(exam.kandidater()))


def test_fs_garbage_or_timeouts_stop_the_import_naming_fs(sqlite_cycle: Cycle) -> None:
    cycle = sqlite_cycle
    main = cycle.university.scenario.exam_main
    cycle.fs_down(requests=1, mode="malformed", path=main.split("|")[1])
    garbled = cycle.sync()
    assert garbled.run.status == "failed"
    assert garbled.run.report.errors == [
        next(e for e in garbled.run.report.errors if e.startswith(f"fs:import: FS sent malformed JSON for exam {main}"))
    ]
    assert staged(cycle) == 0 and not cycle.store.flows
    cycle.configure("fs", timeout=0.3)
    cycle.fs_http.post("/_sandbox/faults/delay", json={"seconds": 1, "requests": 3}).raise_for_status()
    slow = cycle.sync()
    assert slow.run.status == "failed"
    assert "FS: the list of exams (vurderingsenheter): ReadTimeout after 3 attempts" in slow.run.report.errors[0]
    cycle.fs_http.delete("/_sandbox/faults")
    assert cycle.sync().exit_code == 0
    assert_complete_without_duplicates(cycle)
