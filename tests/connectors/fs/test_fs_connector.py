"""The fs connector over real HTTP against the FS sandbox: every field of WISEflow's FS mapping,
fallbacks, dispensation, term parsing, study groups, errors and retries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edusync.connectors.fs import ExamKey, ExamKeyError, FsConnector, FsSettings, parse_tid
from edusync.connectors.http import MalformedAnswer, NotFound, ServerTrouble
from edusync.errors import FatalError, SourceError
from edusync.sandbox.fs import University, create_app, generate
from edusync.sandbox.serving import serve_in_thread
from edusync.testing.connector_contract import ConnectorContract


@pytest.fixture(scope="module")
def university() -> University:
    return generate(seed=1, size="small")


@pytest.fixture(scope="module")
def fs_url(university: University) -> Iterator[str]:
    with serve_in_thread(create_app(university, username="u", password="p")) as url:
        yield url


def make(url: str, **extra: Any) -> FsConnector:
    settings = FsSettings(base_url=url, username="u", password="p", backoff=0.01, **extra)  # type: ignore[arg-type]
    return FsConnector("fs", settings, Path("."))


@pytest.fixture
def fs(fs_url: str) -> Iterator[FsConnector]:
    connector = make(fs_url)
    yield connector
    connector.close()
    httpx.delete(f"{fs_url}/_sandbox/faults", auth=("u", "p"))


def records(connector: FsConnector, object_type: str) -> dict[str, dict[str, Any]]:
    return {r.anchor: r.attrs for r in connector.import_objects(object_type)}


class TestContract(ConnectorContract):
    @pytest.fixture
    def connector(self, fs: FsConnector) -> FsConnector:
        return fs


def test_exam_assessment_info_maps_every_field(fs: FsConnector, university: University) -> None:
    exam_id = university.scenario.exam_main
    e = university.exams[exam_id]
    got = records(fs, "exam")[exam_id]
    assert got["title"] == e.emnetittel
    assert got["subTitle"] == e.key.emnekode
    assert got["term"] == e.key.tid == f"{e.key.arstall} {e.key.terminkode}"
    assert got["startDateParticipants"] == e.dato_eksamen_fra.isoformat()  # type: ignore[union-attr]
    assert got["endDateParticipants"] == e.dato_eksamen_til.isoformat()  # type: ignore[union-attr]
    assert got["endDateMarking"] == e.sensurfrist.isoformat()
    assert got["endDateComplaint"] == e.klagefrist.isoformat()
    assert got["gradeType"] == e.karakterskala.value
    assert got["testType"] == e.vurdkombtittel
    assert got["rooms"] == [
        {"id": r.id, "building": r.bygningsnavn, "room": r.romnavn, "equipment": r.utstyr} for r in e.rom
    ]
    assert got["rooms"], "a written exam has rooms"


def test_participant_dates_fall_back_to_start_and_slutt(fs: FsConnector, university: University) -> None:
    exams = records(fs, "exam")
    s = university.scenario
    only_fra = university.exams[s.exam_only_dato_eksamen_fra]
    assert exams[s.exam_only_dato_eksamen_fra]["startDateParticipants"] == only_fra.dato_eksamen_fra.isoformat()  # type: ignore[union-attr]
    assert exams[s.exam_only_dato_eksamen_fra]["endDateParticipants"] is None
    start_slutt = university.exams[s.exam_start_slutt_only]
    assert exams[s.exam_start_slutt_only]["startDateParticipants"] == start_slutt.start.isoformat()  # type: ignore[union-attr]
    assert exams[s.exam_start_slutt_only]["endDateParticipants"] == start_slutt.slutt.isoformat()  # type: ignore[union-attr]
    fra_slutt = university.exams[s.exam_fra_with_slutt]
    assert exams[s.exam_fra_with_slutt]["endDateParticipants"] == fra_slutt.slutt.isoformat()  # type: ignore[union-attr]


def test_participants_map_every_field_with_dispensation(fs: FsConnector, university: University) -> None:
    s = university.scenario
    exam = university.exams[s.exam_main]
    got = records(fs, "participant")
    for k in exam.kandidater():
        p = got[f"{exam.key.id}|{k.kandidatnr}"]
        c = k.person.kontakt
        assert p["exam"] == exam.key.id
        assert p["organisationId"] == k.person.brukernavn
        assert p["nationalId"] == k.person.fnr
        assert (p["firstName"], p["lastName"]) == (k.person.fornavn, k.person.etternavn)
        assert p["emails"] == [e for e in (c.epost, c.epost_privat) if e]
        assert p["phones"] == ([c.telefonnr] if c.telefonnr else [])
        assert p["language"] == k.person.sprak
        assert p["externalUserId"] == str(k.person.personlopenummer)
        assert p["uniqueExamId"] == {"name": "kandidatnr", "value": k.kandidatnr}
        assert p["assessmentGroupIds"] == ([str(k.kommisjonsid)] if k.kommisjonsid is not None else [])
        assert p["roomId"] == k.sted_id
        expected_end = k.innleveringsfrist.isoformat() if k.innleveringsfrist else None
        assert p["endDateParticipant"] == expected_end
    main = s.exam_main
    assert got[f"{main}|{s.kandidat_without_email.kandidatnr}"]["emails"] == []
    assert got[f"{main}|{s.kandidat_without_phone.kandidatnr}"]["phones"] == []
    extra = got[f"{main}|{s.kandidat_with_extra_time.kandidatnr}"]
    assert extra["endDateParticipant"] is not None
    assert extra["endDateParticipant"] > records(fs, "exam")[main]["endDateParticipants"]


def test_assessors_and_assessment_groups(fs: FsConnector, university: University) -> None:
    exam = university.exams[university.scenario.exam_main]
    assessors = records(fs, "assessor")
    groups = records(fs, "assessment_group")
    for kommisjon in exam.kommisjoner:
        g = groups[f"{exam.key.id}|{kommisjon.id}"]
        assert (g["externalId"], g["name"]) == (str(kommisjon.id), kommisjon.navn)
        for sensor in kommisjon.sensorer:
            a = assessors[f"{exam.key.id}|{sensor.person.personlopenummer}"]
            assert a["organisationId"] == sensor.person.brukernavn
            assert a["nationalId"] == sensor.person.fnr
            assert a["externalUserId"] == str(sensor.person.personlopenummer)
            assert a["assessorType"] == sensor.sensorrolle
            assert str(kommisjon.id) in a["assessmentGroupIds"]
            assert a["emails"] == [e for e in (sensor.person.kontakt.epost, sensor.person.kontakt.epost_privat) if e]
    lonely = university.scenario.exam_without_kommisjoner
    assert not [k for k in groups if k.startswith(lonely + "|")]


def test_study_groups_and_memberships(fs: FsConnector, university: University) -> None:
    groups = records(fs, "group")
    programme = university.studieprogrammer[0]
    assert groups[f"fs:studieprogram:{programme.kode}"]["name"] == programme.navn
    memberships = records(fs, "membership")
    rett = university.studieretter[0]
    key = f"fs:kull:{rett.kull.key}|{rett.person.personlopenummer}"
    assert memberships[key]["begin"] == rett.fra.isoformat()
    assert memberships[key]["end"] == (rett.til.isoformat() if rett.til else None)
    assert all(m["group"] in groups for m in memberships.values())
    people = records(fs, "person")
    assert all(m["person"] in people for m in memberships.values())


def test_chosen_exams_by_key_and_term(fs_url: str, university: University) -> None:
    main = university.scenario.exam_main
    one = make(fs_url, exams=[main.replace("|", " | ")])
    assert list(records(one, "exam")) == [main]
    spring = make(fs_url, terms=["2026 vår"])
    assert {k.split("|")[-1] for k in records(spring, "exam")} == {"2026 VÅR"}


@pytest.mark.parametrize(("text", "expected"), [("2025 HØST", (2025, "HØST")), ("2026  vår", (2026, "VÅR"))])
def test_term_parsing(text: str, expected: tuple[int, str]) -> None:
    assert parse_tid(text) == expected


@pytest.mark.parametrize("bad", ["2025 SOMMER", "25 HØST", "2025HØST", "HØST 2025", ""])
def test_bad_terms_are_clear_errors(bad: str) -> None:
    with pytest.raises(ExamKeyError, match="term"):
        parse_tid(bad)
    with pytest.raises(ExamKeyError, match="term" if bad else "expected"):
        ExamKey.parse(f"9001|INF1000|1|SKR|{bad}")


def test_bad_keys_name_the_part() -> None:
    with pytest.raises(ExamKeyError, match="institusjonsnr"):
        ExamKey.parse("UIO|INF1000|1|SKR|2025 HØST")
    with pytest.raises(ExamKeyError, match="expected"):
        ExamKey.parse("9001|INF1000|SKR|2025 HØST")
    with pytest.raises(ValueError, match="SOMMER"):
        FsSettings(base_url="http://x", username="u", password="p", terms=["2025 SOMMER"])  # type: ignore[arg-type]


def test_unknown_exam_and_wrong_password_name_the_resource(fs_url: str, fs: FsConnector) -> None:
    with pytest.raises(NotFound, match=r"exam 9001\|NOPE1000\|1\|SKR\|2025 HØST"):
        fs.fetch("9001|NOPE1000|1|SKR|2025 HØST")
    wrong = FsConnector("fs", FsSettings(base_url=fs_url, username="u", password="wrong"), Path("."))  # type: ignore[arg-type]
    with pytest.raises(FatalError, match="401"):
        wrong.list_exams()


def test_short_outage_is_retried_and_long_one_is_retriable(fs_url: str, fs: FsConnector) -> None:
    auth = ("u", "p")
    httpx.post(f"{fs_url}/_sandbox/faults/down", json={"requests": 2}, auth=auth).raise_for_status()
    assert fs.list_exams(), "two 503s are retried away"
    httpx.post(f"{fs_url}/_sandbox/faults/down", json={"requests": 50, "mode": "disconnect"}, auth=auth)
    with pytest.raises(ServerTrouble, match="after 4 attempts"):
        list(fs.import_objects("exam"))


def test_a_body_that_is_not_json_names_fs_and_the_exam(fs_url: str, university: University) -> None:
    main = university.scenario.exam_main
    httpx.post(
        f"{fs_url}/_sandbox/faults/down",
        json={"requests": 1, "mode": "malformed", "path": "/vurderingsenheter/"},
        auth=("u", "p"),
    ).raise_for_status()
    connector = make(fs_url, exams=[main])
    try:
        with pytest.raises(MalformedAnswer, match=rf"FS sent malformed JSON for exam {re.escape(main)}"):
            list(connector.import_objects("exam"))
    finally:
        connector.close()
        httpx.delete(f"{fs_url}/_sandbox/faults", auth=("u", "p"))


def test_a_server_that_times_out_is_retried_then_retriable(fs_url: str) -> None:
    connector = make(fs_url, timeout=0.2, retries=1)
    httpx.post(f"{fs_url}/_sandbox/faults/delay", json={"seconds": 0.6, "requests": 2}, auth=("u", "p"))
    try:
        with pytest.raises(ServerTrouble, match=r"FS: the list of exams \(vurderingsenheter\): ReadTimeout after 2"):
            connector.list_exams()
    finally:
        connector.close()
        httpx.delete(f"{fs_url}/_sandbox/faults", auth=("u", "p"))


def test_invalid_fnr_stops_the_import_or_is_left_out_with_a_warning(fs_url: str, university: University) -> None:
    exam = university.exams[university.scenario.exam_main]
    kandidat = next(iter(exam.kandidater()))
    good, kandidat.person.fnr = kandidat.person.fnr, "01019012345"
    try:
        strict = make(fs_url, exams=[exam.key.id])
        with pytest.raises(
            SourceError, match=rf"kandidat {kandidat.kandidatnr}: invalid fødselsnummer 010190\*{{5}}"
        ) as err:
            list(strict.import_objects("participant"))
        assert "01019012345" not in str(err.value)
        lenient = make(fs_url, exams=[exam.key.id], invalid_national_id="leave_out")
        got = records(lenient, "participant")[f"{exam.key.id}|{kandidat.kandidatnr}"]
        assert got["nationalId"] is None and got["organisationId"] == kandidat.person.brukernavn
        assert lenient.warnings == [
            f"FS exam {exam.key.id} kandidat {kandidat.kandidatnr}: invalid fødselsnummer 010190*****; "
            "left out (invalid_national_id: leave_out)"
        ]
    finally:
        kandidat.person.fnr = good


def test_a_commission_or_room_the_exam_does_not_list_is_passed_on_with_a_warning(
    fs_url: str, university: University
) -> None:
    exam = university.exams[university.scenario.exam_main]
    kandidat = next(k for k in exam.kandidater() if k.kommisjonsid is not None and k.sted_id)
    before = kandidat.kommisjonsid, kandidat.sted_id
    kandidat.kommisjonsid, kandidat.sted_id = 424242, "NOWHERE"
    try:
        connector = make(fs_url, exams=[exam.key.id])
        got = records(connector, "participant")[f"{exam.key.id}|{kandidat.kandidatnr}"]
        assert (got["assessmentGroupIds"], got["roomId"]) == (["424242"], "NOWHERE")
        who = f"FS exam {exam.key.id} kandidat {kandidat.kandidatnr}"
        assert connector.warnings == [
            f"{who}: kommisjon 424242 is not among the exam's kommisjoner; no assessor is allocated",
            f"{who}: oppmøte in room NOWHERE, which the exam's rom does not list; not seated",
        ]
    finally:
        kandidat.kommisjonsid, kandidat.sted_id = before


def test_a_results_post_is_resent_only_when_fs_cannot_have_received_it(fs_url: str, university: University) -> None:
    exam = university.exams[university.scenario.exam_main]
    key = ExamKey.parse(exam.key.id)
    kandidat = next(iter(exam.kandidater()))
    row = {"kandidatnr": kandidat.kandidatnr, "karakter": "I", "administrativ": True, "saksbehandler": "a@b.example"}
    connector = make(fs_url)
    auth = ("u", "p")
    try:
        httpx.post(f"{fs_url}/_sandbox/faults/down", json={"requests": 2, "method": "POST"}, auth=auth)
        assert connector.client.send_results(key, [row])["accepted"] == 1, "two 503s: not carried out, sent again"
        httpx.post(
            f"{fs_url}/_sandbox/faults/down", json={"requests": 1, "mode": "lost_answer", "method": "POST"}, auth=auth
        )
        with pytest.raises(ServerTrouble, match="after 1 attempt; FS may have carried it out") as lost:
            connector.client.send_results(key, [row])
        assert lost.value.maybe_done
        handled = httpx.get(f"{fs_url}/_sandbox/requests", auth=auth).json()
        assert sum(n for k, n in handled.items() if k.startswith("POST") and "/resultater" in k) == 2
        assert [r["kandidatnr"] for r in connector.client.results(key)] == [kandidat.kandidatnr]
    finally:
        connector.close()
        httpx.delete(f"{fs_url}/_sandbox/faults", auth=auth)
