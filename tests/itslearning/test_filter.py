"""itslearning's safety filter: per object type and operation, in percent and absolute; a breach
fails the run with nothing sent (or blocks it for approval), and the status mail says why."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from edusync.pipeline.gate import approvals
from tests.itslearning.conftest import AUTUMN, Itslearning, with_mail
from tests.itslearning.smtp_server import SmtpServer

DAY = dt.timedelta(days=1)


def _lose_pupils(its: Itslearning, share: float) -> list[list[str]]:
    pupils = its.pupils()
    lost = pupils[: int(len(pupils) * share)]
    kept = {p[0] for p in lost}
    memberships = [m for m in its.county.memberships if m[1] in kept]
    its.remove_persons(kept)
    its.lost = (lost, memberships)  # type: ignore[attr-defined]
    return lost


def test_a_breach_fails_the_run_with_nothing_sent_and_the_mail_says_why(
    its_lite: Itslearning, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    its = its_lite
    with_mail(its, smtp, monkeypatch)
    assert its.night(AUTUMN).status == "done"
    sent = its.files()
    lost = _lose_pupils(its, 0.3)
    failed = its.night(AUTUMN + DAY)
    assert failed.status == "failed" and failed.exit_code == 1
    assert its.files() == sent, "nothing was sent"
    pct = 100 * len(lost) / 300
    reason = f"itslearning: {len(lost)} person deletes are {pct:.1f} % of 300 (limit 10 %)"
    assert any(reason in e and "safety filter" in e for e in failed.report.errors), failed.report.errors
    info = its.run_info(failed.run_id)
    assert info["change_sets"][0]["status"] == "failed"
    assert all(its.state_of("person", its.key_of("person", p[0])) == "present" for p in lost[:5])

    assert smtp.subjects() == ["Import finished with status Completed", "Import finished with status Failed"]
    body = smtp.messages[1].get_content()
    assert reason in body and "Reason:" in body
    assert "Nothing was sent. The changes below were planned:" in body
    row = rf"^person\s+300\s+0\s+0\s+{len(lost)}\s+0\s+0\s+0\s+300\s*$"
    assert re.search(row, body, re.M), body
    assert "itslearning:export" not in body, "the reason is given once"
    assert smtp.logins == ["edusync@fylke.no", "edusync@fylke.no"], "logged in over STARTTLS each time"

    # The pupils come back: the next night goes through and nothing was lost.
    people, memberships = its.lost  # type: ignore[attr-defined]
    its.county.persons += people
    its.county.memberships += memberships
    assert its.night(AUTUMN + 2 * DAY).status == "done"
    assert smtp.subjects()[-1] == "Import finished with status Completed"


def test_absolute_limits_per_object_type_and_operation(its_lite: Itslearning) -> None:
    its = its_lite
    its.night(AUTUMN)
    its.rules(thresholds={"person": {"insert": {"max_count": 5}}, "membership": {"update": {"max_count": 3}}})
    school = its.county.orgs[0][0]
    for i in range(6):
        its.county.persons.append(
            [f"N{i:07d}", "", "Ny", "Elev", f"n{i}@fylke.no", f"n{i}@skole.fylke.no", "student", school]
        )
    failed = its.night(AUTUMN + DAY)
    assert failed.status == "failed"
    assert any("6 person adds exceed the limit of 5" in e for e in failed.report.errors), failed.report.errors
    its.county.persons.pop()
    assert its.night(AUTUMN + 2 * DAY).status == "done", "five inserts are within the limit"
    for m in its.county.memberships[:4]:
        m[3] = "teacher" if m[3] == "student" else "student"
    failed = its.night(AUTUMN + 3 * DAY)
    assert any("4 membership updates exceed the limit of 3" in e for e in failed.report.errors)


def test_percent_limits_count_against_what_the_target_had(its_lite: Itslearning) -> None:
    its = its_lite
    its.night(AUTUMN)
    its.rules(thresholds={"person": {"update": {"max_percent": 20}}})
    for p in its.county.persons[:61]:
        p[5] = p[5].replace("@", ".ny@")
    failed = its.night(AUTUMN + DAY)
    assert any("61 person updates are 20.3 % of 300 (limit 20 %)" in e for e in failed.report.errors)
    its.county.persons[0][5] = its.county.persons[0][5].replace(".ny@", "@")
    assert its.night(AUTUMN + 2 * DAY).status == "done", "60 of 300 is at the limit, not over it"


def test_a_course_archive_counts_as_a_delete_in_the_filter(its_lite: Itslearning) -> None:
    its = its_lite
    its.night(AUTUMN)
    its.rules(thresholds={"group": {"delete": {"max_count": 1}}})
    for g in list(its.county.groups[:2]):
        its.remove_group(g[0])
    failed = its.night(AUTUMN + DAY)
    assert any("2 group archives exceed the limit of 1" in e for e in failed.report.errors), failed.report.errors


def test_on_breach_block_waits_for_an_approval_of_that_change_set(its_lite: Itslearning) -> None:
    its = its_lite
    its.rules(on_breach="block")
    its.night(AUTUMN)
    sent = its.files()
    lost = _lose_pupils(its, 0.3)
    blocked = its.night(AUTUMN + DAY)
    assert blocked.status == "blocked" and blocked.exit_code == 3 and its.files() == sent
    assert blocked.block is not None
    approvals.approve(its.db, blocked.run_id, "it-drift", expect=blocked.block["hash"][:12])
    done = its.resume(blocked.run_id)
    assert done.status == "done", done.report.errors
    deleted = records_recstatus(its, "person")
    assert deleted.count("3") == len(lost)


def records_recstatus(its: Itslearning, element: str) -> list[str]:
    tree = its.last_file()
    return [str(e.get("recstatus")) for e in tree.xpath(f"//p:{element}", namespaces={"p": tree.getroot().nsmap[None]})]
