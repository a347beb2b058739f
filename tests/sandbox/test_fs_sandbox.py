"""The FS sandbox over real HTTP: auth, exam list and fetch, scenario cases, results, faults."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import typer

from edusync.model import fnr
from edusync.sandbox.fs import Scale, create_app, generate
from edusync.sandbox.fs import cli as fs_cli
from edusync.sandbox.fs.university import University
from edusync.sandbox.serving import serve_in_thread

USER, PASSWORD = "tester", "secret-for-tests"
MANAGER = "manager@sandvoll.example"
TID = re.compile(r"^\d{4} (VÅR|HØST)$")


@pytest.fixture(scope="module")
def university() -> University:
    return generate(seed=7, size="small")


@pytest.fixture(scope="module")
def base_url(university: University) -> Iterator[str]:
    with serve_in_thread(create_app(university, username=USER, password=PASSWORD)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, auth=(USER, PASSWORD), timeout=10) as c:
        yield c
        c.delete("/_sandbox/faults")  # a test that breaks the server leaves it whole


@pytest.fixture(scope="module")
def scenario(base_url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{base_url}/_sandbox/scenario", auth=(USER, PASSWORD)).json()
    return body


def path(exam_id: str) -> str:
    return f"/vurderingsenheter/{quote(exam_id, safe='')}"


def exam(client: httpx.Client, exam_id: str) -> dict[str, Any]:
    response = client.get(path(exam_id))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def kandidater(detail: dict[str, Any]) -> list[dict[str, Any]]:
    return [k for g in detail["vurderingsgrupper"] for k in g["kandidater"]]


def post(client: httpx.Client, exam_id: str, rows: list[Any]) -> list[dict[str, Any]]:
    response = client.post(path(exam_id) + "/resultater", json={"resultater": rows})
    assert response.status_code == 200, response.text
    outcomes: list[dict[str, Any]] = response.json()["rows"]
    return outcomes


# --- generation ---------------------------------------------------------------------------------


def test_same_seed_same_university_and_small_is_fast() -> None:
    started = time.perf_counter()
    first = generate(seed=3, size="small")
    assert time.perf_counter() - started < 1.0
    second = generate(seed=3, size="small")
    assert list(first.exams) == list(second.exams)
    assert first.scenario == second.scenario
    assert [r.person.fnr for r in first.studieretter] == [r.person.fnr for r in second.studieretter]
    assert list(generate(seed=4, size="small").exams) != list(first.exams)


def test_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown size"):
        generate(size="huge")
    with pytest.raises(typer.BadParameter):
        fs_cli.fs(size="huge")


@pytest.mark.slow
def test_university_size_has_the_volume_and_the_scenario() -> None:
    big = generate(seed=1, size="university")
    assert 19_000 <= len(big.studieretter) <= 21_000
    assert 1_400 <= len(big.exams) <= 1_600
    assert big.scenario.exam_main in big.exams and len(big.scenario.sensor_exams) >= 2


# --- auth and listing ---------------------------------------------------------------------------


def test_basic_auth_is_required(base_url: str) -> None:
    assert httpx.get(f"{base_url}/vurderingsenheter").status_code == 401
    wrong = httpx.get(f"{base_url}/vurderingsenheter", auth=(USER, "wrong"))
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Basic")
    assert httpx.get(f"{base_url}/_sandbox/scenario").status_code == 401
    assert httpx.get(f"{base_url}/version").status_code == 200


def test_exam_list_carries_the_key_parts(client: httpx.Client, university: University) -> None:
    body = client.get("/vurderingsenheter", params={"limit": 0}).json()
    assert body["size"] == len(university.exams) == len(body["items"])
    for item in body["items"]:
        assert TID.match(item["tid"]) and item["tid"] == f"{item['arstall']} {item['terminkode']}"
        parts = [
            item["institusjonsnr"],
            item["emnekode"],
            item["versjonskode"],
            item["vurderingsordning"],
            item["tid"],
        ]
        assert item["id"] == "|".join(map(str, parts))
        assert item["vurdkombkode"] == item["vurderingsordning"]
    terms = {i["tid"] for i in body["items"]}
    assert terms <= {"2025 HØST", "2026 VÅR"}
    one_term = client.get("/vurderingsenheter", params={"tid": "2025 HØST", "limit": 0}).json()
    assert {i["tid"] for i in one_term["items"]} <= {"2025 HØST"}
    page = client.get("/vurderingsenheter", params={"limit": 2, "offset": 1}).json()
    assert [i["id"] for i in page["items"]] == [i["id"] for i in body["items"][1:3]]


def test_exam_fetch_by_every_key_form(client: httpx.Client, scenario: dict[str, Any]) -> None:
    exam_id = scenario["examMain"]
    listed = next(
        i for i in client.get("/vurderingsenheter", params={"limit": 0}).json()["items"] if i["id"] == exam_id
    )
    inst, emne, versjon, vurd, tid = exam_id.split("|")
    year, term = tid.split()
    forms = [
        exam_id,
        f"{inst}|{emne}|{versjon}|{vurd}|{year}|{term}",
        f"{inst},{emne},{versjon},{vurd},{year},{term}",
    ]
    for form in forms:
        assert exam(client, form)["id"] == exam_id
    assert httpx.get(listed["href"], auth=(USER, PASSWORD)).json()["id"] == exam_id
    assert client.get(path(f"{inst}|NOPE1000|1|SKR|2025 HØST")).status_code == 404
    assert client.get(path("not-a-key")).status_code == 400
    assert client.get(path(f"{inst}|{emne}|{versjon}|{vurd}|2025 SOMMER")).status_code == 400


def test_exam_detail_is_consistent(client: httpx.Client, university: University) -> None:
    for exam_id in university.exams:
        detail = exam(client, exam_id)
        assert detail["karakterskala"] in {s.value for s in Scale}
        assert detail["sensurfrist"] < detail["klagefrist"]
        assert detail["datoEksamenFra"] or detail["start"], "every exam has a start through the fallback"
        rooms = {r["id"] for r in detail["rom"]}
        commissions = {k["id"] for k in detail["kommisjoner"]}
        for k in kandidater(detail):
            assert fnr.is_valid(k["fnr"]) and "@" in k["brukernavn"]
            assert set(k["kontaktinfo"]) == {"epost", "epostPrivat", "telefonnr"}
            assert k["kommisjonsid"] in commissions or (not commissions and k["kommisjonsid"] is None)
            assert all(o["stedId"] in rooms for o in k["oppmote"])
            assert k["sprak"] in {"nb", "nn", "en"}
        for k in detail["kommisjoner"]:
            assert k["sensorer"], "a commission has assessors"
            assert all(s["sensorrolle"] in {"INTERN", "EKSTERN"} and fnr.is_valid(s["fnr"]) for s in k["sensorer"])


# --- scenario -------------------------------------------------------------------------------------


def test_date_fallback_cases(client: httpx.Client, scenario: dict[str, Any]) -> None:
    only_fra = exam(client, scenario["examOnlyDatoEksamenFra"])
    assert only_fra["datoEksamenFra"] and not (only_fra["datoEksamenTil"] or only_fra["start"] or only_fra["slutt"])
    start_slutt = exam(client, scenario["examStartSluttOnly"])
    assert start_slutt["start"] and start_slutt["slutt"]
    assert start_slutt["datoEksamenFra"] is None and start_slutt["datoEksamenTil"] is None
    fra_slutt = exam(client, scenario["examFraWithSlutt"])
    assert fra_slutt["datoEksamenFra"] and fra_slutt["slutt"] and fra_slutt["datoEksamenTil"] is None
    assert fra_slutt["slutt"] > fra_slutt["datoEksamenFra"]


def test_candidate_and_assessor_cases(client: httpx.Client, scenario: dict[str, Any]) -> None:
    def kandidat(ref: dict[str, str]) -> dict[str, Any]:
        return next(k for k in kandidater(exam(client, ref["examId"])) if k["kandidatnr"] == ref["kandidatnr"])

    no_mail = kandidat(scenario["kandidatWithoutEmail"])["kontaktinfo"]
    assert no_mail["epost"] is None and no_mail["epostPrivat"] is None
    assert kandidat(scenario["kandidatWithoutPhone"])["kontaktinfo"]["telefonnr"] is None
    main = exam(client, scenario["kandidatWithExtraTime"]["examId"])
    assert kandidat(scenario["kandidatWithExtraTime"])["innleveringsfrist"] > main["datoEksamenTil"]
    sensor = scenario["sensorOnTwoExams"]
    assert len(sensor["examIds"]) >= 2
    for exam_id in sensor["examIds"]:
        ids = {s["personlopenummer"] for k in exam(client, exam_id)["kommisjoner"] for s in k["sensorer"]}
        assert sensor["personlopenummer"] in ids
    bare = exam(client, scenario["examWithoutKommisjoner"])
    assert bare["kommisjoner"] == [] and all(k["kommisjonsid"] is None for k in kandidater(bare))
    for scale, exam_id in scenario["examsByScale"].items():
        assert exam(client, exam_id)["karakterskala"] == scale


# --- results ------------------------------------------------------------------------------------


def grade_case(client: httpx.Client, exam_id: str) -> tuple[list[str], int]:
    detail = exam(client, exam_id)
    sensor = detail["kommisjoner"][0]["sensorer"][0]["personlopenummer"]
    return [k["kandidatnr"] for k in kandidater(detail)], sensor


@pytest.mark.parametrize(
    ("scale", "grade", "stored", "kind"),
    [
        ("A-F", "C", "C", "KARAKTER"),
        ("A-F", "A", "A", "KARAKTER"),  # the A ambiguity: on A–F a bare A is the letter grade
        ("A-F", "Avbrutt", "A", "ADMINISTRATIV"),
        ("BESTÅTT", "Bestått", "Bestått", "KARAKTER"),
        ("BESTÅTT", "A", "A", "ADMINISTRATIV"),  # elsewhere A is Avbrutt
        ("GODKJENT", "Ikke godkjent", "Ikke godkjent", "KARAKTER"),
        ("1.0-10.0", "7.5", "7.5", "KARAKTER"),
        ("1.0-10.0", "10", "10.0", "KARAKTER"),
        ("1.0-10.0", "I", "I", "ADMINISTRATIV"),
    ],
)
def test_valid_grades_are_stored_and_read_back(
    client: httpx.Client, scenario: dict[str, Any], scale: str, grade: str, stored: str, kind: str
) -> None:
    exam_id = scenario["examsByScale"][scale]
    kandidatnr, sensor = grade_case(client, exam_id)
    row = {"kandidatnr": kandidatnr[-1], "karakter": grade, "sensorer": [sensor], "saksbehandler": MANAGER}
    [outcome] = post(client, exam_id, [row])
    assert outcome["status"] == "ACCEPTED", outcome
    items = client.get(path(exam_id) + "/resultater").json()["items"]
    mine = next(i for i in items if i["kandidatnr"] == kandidatnr[-1])
    assert (mine["karakter"], mine["resultatType"], mine["sensorer"]) == (stored, kind, [sensor])
    assert mine["saksbehandler"] == MANAGER


def test_administrativ_flag_settles_the_a_ambiguity(client: httpx.Client, scenario: dict[str, Any]) -> None:
    exam_id = scenario["examsByScale"]["A-F"]
    kandidatnr, sensor = grade_case(client, exam_id)
    rows = [
        {"kandidatnr": kandidatnr[0], "karakter": "A", "administrativ": True, "saksbehandler": MANAGER},
        {
            "kandidatnr": kandidatnr[1],
            "karakter": "Avbrutt",
            "administrativ": False,
            "sensorer": [sensor],
            "saksbehandler": MANAGER,
        },
    ]
    first, second = post(client, exam_id, rows)
    assert first["status"] == "ACCEPTED" and first["result"]["karakterTekst"] == "Avbrutt"
    assert second["status"] == "REJECTED" and second["reason"] == "grade_not_on_scale"


def test_each_invalid_row_is_rejected_with_its_reason(client: httpx.Client, scenario: dict[str, Any]) -> None:
    exam_id = scenario["examsByScale"]["A-F"]
    kandidatnr, sensor = grade_case(client, exam_id)
    outsider = (
        max(
            s["personlopenummer"]
            for e in client.get("/vurderingsenheter", params={"limit": 0}).json()["items"]
            for k in exam(client, e["id"])["kommisjoner"]
            for s in k["sensorer"]
        )
        + 1
    )
    good = {"kandidatnr": kandidatnr[0], "karakter": "B", "sensorer": [sensor], "saksbehandler": MANAGER}
    cases = {
        "unknown_kandidat": {**good, "kandidatnr": "999999"},
        "grade_not_on_scale": {**good, "karakter": "Bestått"},
        "assessor_not_registered": {**good, "sensorer": [sensor, outsider]},
        "missing_assessor": {**good, "sensorer": []},
        "invalid_manager": {**good, "saksbehandler": "no-realm"},
        "invalid_row": {"karakter": "B"},
    }
    for reason, row in cases.items():  # one request each: the duplicate check would otherwise come first
        [outcome] = post(client, exam_id, [row])
        assert (outcome["status"], outcome["reason"]) == ("REJECTED", reason), outcome
        assert outcome["message"]
    outcomes = post(client, exam_id, [good, cases["unknown_kandidat"], good])
    assert [o["index"] for o in outcomes] == [0, 1, 2]
    assert [o["status"] for o in outcomes] == ["ACCEPTED", "REJECTED", "REJECTED"]
    assert outcomes[2]["reason"] == "duplicate_kandidat"
    stored = {i["kandidatnr"] for i in client.get(path(exam_id) + "/resultater").json()["items"]}
    assert "999999" not in stored and kandidatnr[0] in stored


def test_numeric_scale_bounds(client: httpx.Client, scenario: dict[str, Any]) -> None:
    exam_id = scenario["examsByScale"]["1.0-10.0"]
    kandidatnr, sensor = grade_case(client, exam_id)
    for grade in ("10.5", "0.5", "7,5", "11", "A+"):
        row = {"kandidatnr": kandidatnr[0], "karakter": grade, "sensorer": [sensor], "saksbehandler": MANAGER}
        assert post(client, exam_id, [row])[0]["reason"] == "grade_not_on_scale", grade


def test_commissionless_exam_takes_no_assessor(client: httpx.Client, scenario: dict[str, Any]) -> None:
    exam_id = scenario["examWithoutKommisjoner"]
    detail = exam(client, exam_id)
    kandidatnr = [k["kandidatnr"] for k in kandidater(detail)]
    any_sensor = scenario["sensorOnTwoExams"]["personlopenummer"]
    grade = {"A-F": "B", "BESTÅTT": "Bestått", "GODKJENT": "Godkjent", "1.0-10.0": "5.0"}[detail["karakterskala"]]
    rows = [
        {"kandidatnr": kandidatnr[0], "karakter": grade, "sensorer": [any_sensor], "saksbehandler": MANAGER},
        {"kandidatnr": kandidatnr[1], "karakter": "I", "saksbehandler": MANAGER},
    ]
    outcomes = post(client, exam_id, rows)
    assert outcomes[0]["reason"] == "assessor_not_registered"
    assert outcomes[1]["status"] == "ACCEPTED"


def test_results_for_an_unknown_exam_are_404(client: httpx.Client, university: University) -> None:
    response = client.post(
        path(f"{university.institusjonsnr}|NOPE1000|1|SKR|2025 HØST") + "/resultater", json={"resultater": []}
    )
    assert response.status_code == 404


# --- programmes, directions, cohorts ---------------------------------------------------------------


def test_programmes_directions_and_cohorts_with_members(client: httpx.Client, university: University) -> None:
    programmes = client.get("/studieprogrammer").json()["items"]
    assert programmes and all(p["studieprogramkode"] and p["navn"] for p in programmes)
    total = 0
    for programme in programmes:
        members = httpx.get(programme["studenterHref"], params={"limit": 0}, auth=(USER, PASSWORD)).json()
        total += members["size"]
        for member in members["items"]:
            assert member["studieprogramkode"] == programme["studieprogramkode"] and member["fra"]
            assert member["til"] is None or member["til"] > member["fra"]
        for direction in programme["studieretninger"]:
            listed = httpx.get(direction["studenterHref"], params={"limit": 0}, auth=(USER, PASSWORD)).json()
            assert all(m["studieretningkode"] == direction["studieretningkode"] for m in listed["items"])
    assert total == len(university.studieretter)
    cohorts = client.get("/kull").json()["items"]
    assert sum(k["antallStudenter"] for k in cohorts) == total
    first = cohorts[0]
    members = httpx.get(first["studenterHref"], params={"limit": 0}, auth=(USER, PASSWORD)).json()
    assert members["size"] == first["antallStudenter"]
    assert all(m["kull"]["id"] == first["id"] for m in members["items"])
    assert client.get("/kull/NOPE,2020,HØST/studenter").status_code == 404


# --- faults and CLI -----------------------------------------------------------------------------


def test_down_with_503_for_n_requests(client: httpx.Client) -> None:
    client.post("/_sandbox/faults/down", json={"requests": 2})
    first, second = client.get("/emner"), client.get("/emner")
    assert [first.status_code, second.status_code] == [503, 503] and first.headers["retry-after"]
    assert client.get("/_sandbox/faults").json()["down_requests"] == 0  # admin routes are never down
    assert client.get("/emner").status_code == 200


def test_down_by_dropping_the_connection(client: httpx.Client) -> None:
    client.post("/_sandbox/faults/down", json={"requests": 1, "mode": "disconnect"})
    with pytest.raises(httpx.TransportError):
        client.get("/emner")
    assert client.get("/emner").status_code == 200


def test_delay_for_n_requests(client: httpx.Client) -> None:
    client.post("/_sandbox/faults/delay", json={"seconds": 0.3, "requests": 1})
    started = time.perf_counter()
    client.get("/rom")
    slow = time.perf_counter() - started
    started = time.perf_counter()
    client.get("/rom")
    assert slow >= 0.3 > time.perf_counter() - started


def test_cli_prints_url_and_credentials_but_no_national_id(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(fs_cli, "serve_forever", lambda _app, host, port: served.append((host, port)))
    fs_cli.fs(seed=2)
    out = capsys.readouterr().out
    host, port = served[0]
    assert port > 0 and f"http://{host}:{port}/" in out
    assert fs_cli.DEMO_USER in out and fs_cli.DEMO_PASSWORD in out
    assert not re.search(r"\b\d{11}\b", out)
