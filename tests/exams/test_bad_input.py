"""An invalid fødselsnummer in FS: the import stops naming the exam and the kandidat (the number
masked), nothing is staged or sent; or, with ``invalid_national_id: leave_out``, the person goes
through without it and the run report says so. The number is never shown unmasked."""

from __future__ import annotations

import json
import re

from edusync.model import fnr
from edusync.sandbox.wiseflow.state import NATIONAL_ID
from edusync.services import runs
from tests.exams.conftest import Cycle

BAD = "01019012345"  # a birth date, but the check digits are wrong


def test_invalid_fnr_stops_the_import_and_names_the_kandidat(sqlite_cycle: Cycle) -> None:
    cycle = sqlite_cycle
    assert not fnr.is_valid(BAD)
    assert cycle.sync().exit_code == 0
    exam = cycle.university.exams[cycle.university.scenario.exam_main]
    kandidat = next(iter(exam.kandidater()))
    good, kandidat.person.fnr = kandidat.person.fnr, BAD
    kandidat.person.fornavn = "Endret"  # a change that must not reach WISEflow while the import is stopped
    broken = cycle.sync()
    assert broken.run.status == "failed" and broken.exit_code == 1
    [error] = broken.run.report.errors
    named = re.fullmatch(
        r"fs:import: FS exam (.+) kandidat (\d+): invalid fødselsnummer 010190\*{5}; correct it .*", error
    )
    assert named, error
    where = cycle.university.exams[named.group(1)]
    assert any(k.kandidatnr == named.group(2) and k.person is kandidat.person for k in where.kandidater())
    stored = json.dumps(runs.get_run(cycle.db, broken.run.run_id), ensure_ascii=False)
    assert BAD not in stored and "010190*****" in stored
    user = cycle.api.get(f"/user/eduPrincipalName/{kandidat.person.brukernavn}").json()
    assert user["firstName"] != "Endret", "nothing sent"
    kandidat.person.fnr = good
    assert cycle.sync().exit_code == 0
    assert cycle.api.get(f"/user/eduPrincipalName/{kandidat.person.brukernavn}").json()["firstName"] == "Endret"


def test_leave_out_sends_the_person_without_the_number_and_warns(sqlite_cycle: Cycle) -> None:
    cycle = sqlite_cycle
    cycle.configure("fs", invalid_national_id="leave_out")
    exam = cycle.university.exams[cycle.university.scenario.exam_main]
    kandidat = next(iter(exam.kandidater()))
    sensor = exam.kommisjoner[0].sensorer[0]
    kandidat.person.fnr, sensor.person.fnr = BAD, "31129912345"
    out = cycle.sync()
    assert out.exit_code == 0, out.run.report.errors
    mine = [w for w in out.warnings if "invalid fødselsnummer" in w]
    assert any(f"kandidat {kandidat.kandidatnr}: invalid fødselsnummer 010190*****; left out" in w for w in mine)
    assert any(f"sensor {sensor.person.personlopenummer}: invalid fødselsnummer 311299*****" in w for w in mine)
    stored = json.dumps(runs.get_run(cycle.db, out.run.run_id), ensure_ascii=False)
    assert BAD not in stored and "31129912345" not in stored
    flow_id = cycle.flow(exam.key.id)
    participant = cycle.participants(flow_id)[kandidat.kandidatnr]
    assert NATIONAL_ID not in cycle.store.users[participant["userId"]].external_ids
    assert participant["activated"]
