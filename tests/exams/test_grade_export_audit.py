"""A grade export to FS leaves a trace in the audit log: which exam, how many rows, what FS said (item 15)."""

from __future__ import annotations

from edusync.services import audit
from edusync.services.exams.grades import export_grades
from tests.exams.conftest import Cycle


def test_a_grade_export_is_in_the_audit_log_with_who_and_what(sqlite_cycle: Cycle) -> None:
    cycle = sqlite_cycle
    assert cycle.sync().exit_code == 0
    scale, exam_id = next(iter(cycle.university.scenario.exams_by_scale.items()))
    flow_id = cycle.flow(exam_id)
    people = cycle.participants(flow_id)
    k = list(people)
    cycle.mark(flow_id, [{"participantId": people[k[0]]["participantId"], "adminGrade": "A"}])
    export_grades(cycle.loaded, cycle.db, exam_id, actor="eksamenskontoret")
    export_grades(cycle.loaded, cycle.db, exam_id, actor="eksamenskontoret")  # nothing left: sent 0
    logged = audit.entries(cycle.db, action="grade-export")
    assert [(e["actor"], e["detail"]["exam"], e["detail"]["sent"]) for e in logged] == [
        ("eksamenskontoret", exam_id, 0),
        ("eksamenskontoret", exam_id, 1),
    ], scale
    assert logged[1]["detail"]["results"] == {"accepted": 1}
    assert logged[0]["detail"]["results"] == {"already_exported": 1}
