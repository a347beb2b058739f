"""The FINT sandbox over real HTTP: HAL shape, links, identifier routes, paging, deltas after a
simulated day, tokens, the planted awkward cases, feidenavn write-back and injected faults."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from edusync.model import fnr
from edusync.sandbox.fint import SIZES, County, create_app, generate
from edusync.sandbox.fint import cli as fint_cli
from edusync.sandbox.fint.catalog import BY_PATH, VIEWS
from edusync.sandbox.fint.hal import Hrefs
from edusync.sandbox.fint.spec import FintChecker
from edusync.sandbox.serving import serve_in_thread
from edusync.testing import exchanges

TODAY = dt.date(2026, 11, 23)
TODAY_ISO = "2026-11-22T23:00:00Z"  # midnight in Oslo, in UTC
CREDS = {"client_id": "test-client", "client_secret": "test-secret", "username": "tester", "password": "pw-æøå"}
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ELEV, PERSON, ELEVFORHOLD = "/utdanning/elev/elev", "/utdanning/elev/person", "/utdanning/elev/elevforhold"
SKOLERESSURS, SKOLE = "/utdanning/elev/skoleressurs", "/utdanning/utdanningsprogram/skole"
PERSONALRESSURS, ARBEIDSFORHOLD = "/administrasjon/personal/personalressurs", "/administrasjon/personal/arbeidsforhold"
ORG = "/administrasjon/organisasjon/organisasjonselement"
UGM = "/utdanning/timeplan/undervisningsgruppemedlemskap"
Json = dict[str, Any]


def make_app(county: County, **options: Any) -> FastAPI:
    creds = CREDS
    return create_app(
        county,
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        username=creds["username"],
        password=creds["password"],
        **options,
    )


class Fint:
    """A minimal FINT client: password-grant token, bearer GETs, admin calls."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=30)
        self.token = self.login()

    def login(self) -> str:
        form = {"grant_type": "password", "username": CREDS["username"], "password": CREDS["password"]}
        response = self.http.post("/nidp/oauth/nam/token", auth=(CREDS["client_id"], CREDS["client_secret"]), data=form)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def get(self, path: str, **params: Any) -> httpx.Response:
        url = path if path.startswith("http") else self.base + path
        return self.http.get(url, params=params, headers={"Authorization": f"Bearer {self.token}"})

    def put(self, path: str, body: Any) -> httpx.Response:
        return self.http.put(path, content=orjson.dumps(body), headers={"Authorization": f"Bearer {self.token}"})

    def entries(self, path: str, **params: Any) -> list[Json]:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return list(response.json()["_embedded"]["_entries"])

    def one(self, path: str, sid: str, field: str = "systemid") -> Json:
        response = self.get(f"{path}/{field}/{sid}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def follow(self, entry: Json, rel: str) -> list[Json]:
        return [self.get(link["href"]).json() for link in entry["_links"].get(rel, [])]

    def admin(self, route: str, /, **params: Any) -> Json:
        response = self.http.post(f"/_sandbox{route}", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def scenario(self) -> Json:
        return dict(self.http.get("/_sandbox/scenario").json())


@pytest.fixture(scope="module")
def county() -> County:
    return generate(seed=7, size="small", today=TODAY)


@pytest.fixture(scope="module")
def api(county: County) -> Iterator[Fint]:
    """A read-only sandbox shared by the tests that do not change anything."""
    with serve_in_thread(make_app(county)) as base:
        yield Fint(base)


@pytest.fixture
def fresh() -> Iterator[Fint]:
    """A sandbox of its own, for tests that advance the clock, write or inject faults."""
    app = make_app(generate(seed=8, size="small", today=TODAY), pending_polls=1)
    with serve_in_thread(app) as base:
        yield Fint(base)


class Drifting(Fint):
    """A sandbox for tests that send wrong requests on purpose, its exchanges kept out of the suite's ledger.

    Each test asks the checker about them: it must name what is wrong in each bad request and
    find every answer right, so the checker is tested along with the sandbox.
    """

    def __init__(self, base: str, kept: list[exchanges.Exchange]) -> None:
        super().__init__(base)
        self.kept = kept

    def problems(self) -> tuple[list[str], list[str]]:
        fint = [e for e in self.kept if not e.path.startswith("/_sandbox")]
        return [p for e in fint for p in CHECKER.request_problems(e)], [
            p for e in fint for p in CHECKER.answer_problems(e)
        ]


CHECKER = FintChecker()


@pytest.fixture
def drifting(county: County, monkeypatch: pytest.MonkeyPatch) -> Iterator[Drifting]:
    monkeypatch.delenv(exchanges.ENV)
    ledger = exchanges.Kept()
    app = exchanges.Recording(make_app(generate(seed=8, size="small", today=TODAY), pending_polls=1), CHECKER, ledger)
    with serve_in_thread(app) as base:
        yield Drifting(base, ledger.kept)


ANCHORS = ("/systemid/", "/organisasjonsid/", "/fodselsnummer/")


def self_href(entry: Json) -> str:
    """The self link by the object's stable identifier (FINT lists it among the others, not always first)."""
    selves = [str(link["href"]) for link in entry["_links"]["self"]]
    return next((h for a in ANCHORS for h in selves if a in h), selves[0])


def last_segment(href: str) -> str:
    return href.rsplit("/", 1)[-1]


def ident(entry: Json, key: str = "systemId") -> str:
    return str(entry[key]["identifikatorverdi"])


# --- generation --------------------------------------------------------------------------


def test_small_county_is_quick_and_deterministic() -> None:
    started = time.perf_counter()
    one = generate(seed=5, size="small", today=TODAY)
    assert time.perf_counter() - started < 1.0
    two = generate(seed=5, size="small", today=TODAY)
    other = generate(seed=6, size="small", today=TODAY)
    h = Hrefs("http://sandbox")
    for view in VIEWS:
        rows = range(len(view.table(one)))
        assert [view.render(one, p, h) for p in rows] == [view.render(two, p, h) for p in rows], view.path
    assert one.scenario == two.scenario
    assert [p.fornavn for p in one.person] != [p.fornavn for p in other.person]
    counts = one.counts()
    assert counts["skole"] == SIZES["small"].schools
    assert 0.8 * SIZES["small"].persons < counts["person"] + counts["hrmperson"] < 1.25 * SIZES["small"].persons


def test_county_size_has_realistic_volumes() -> None:
    started = time.perf_counter()
    county = generate(seed=2, size="county", today=TODAY)
    took = time.perf_counter() - started
    counts = county.counts()
    persons = counts["person"] + counts["hrmperson"]
    memberships = counts["basisgruppemedlemskap"] + counts["undervisningsgruppemedlemskap"]
    assert counts["skole"] == SIZES["county"].schools
    assert 0.9 * SIZES["county"].persons < persons < 1.1 * SIZES["county"].persons
    assert 12 < memberships / counts["elev"] < 20  # a class and a dozen or so teaching groups each
    assert counts["undervisningsforhold"] > counts["skole"] * 10
    assert took < 15


def test_fast_membership_rendering_matches_the_dict_renderer(county: County) -> None:
    h = Hrefs('http://odd"host:1')  # a quote in the base must be escaped in both renderers
    for view in VIEWS:
        if view.fast is not None:
            rows = range(len(view.table(county)))
            expected = orjson.dumps([view.render(county, p, h) for p in rows])[1:-1]
            assert view.fast(county, rows, h) == expected, view.path


# --- HAL shape and links -------------------------------------------------------------------


def test_every_collection_is_a_hal_envelope_with_link_arrays(api: Fint) -> None:
    for view in VIEWS:
        response = api.get(view.path)
        assert response.status_code == 200, view.path
        body = response.json()
        entries = body["_embedded"]["_entries"]
        assert body["total_items"] == len(entries) == api.get(f"{view.path}/cache/size").json()["size"] > 0
        assert body["_links"]["self"][0]["href"] == api.base + view.path
        assert (body["offset"], body["size"]) == (0, len(entries))
        for entry in entries:
            for rel, links in entry["_links"].items():
                assert isinstance(links, list), (view.path, rel)
                for link in links:
                    assert set(link) == {"href"} and link["href"].startswith(api.base + "/"), (view.path, rel)
                    field = link["href"][len(api.base) :].split("/")[4]
                    assert field == field.lower()
            assert self_href(entry).startswith(f"{api.base}{view.path}/{view.primary}/")
            fields = [link["href"][len(api.base + view.path) :].split("/")[1] for link in entry["_links"]["self"]]
            assert fields == sorted(fields), "one self link per identifier, in FINT's order"


def test_every_link_points_at_a_served_object(api: Fint) -> None:
    served: set[str] = set()
    links: set[str] = set()
    for view in VIEWS:
        for entry in api.entries(view.path):
            served.update(link["href"] for link in entry["_links"]["self"])
            links.update(link["href"] for rel, ls in entry["_links"].items() if rel != "self" for link in ls)
    assert links - served == set()
    for href in sorted(links)[:: max(1, len(links) // 40)]:  # and they answer over HTTP
        response = api.get(href)
        assert response.status_code == 200, href
        assert href in {link["href"] for link in response.json()["_links"]["self"]}


def test_identifiers_dates_and_norwegian_text(api: Fint) -> None:
    elever = api.entries(ELEV)
    for entry in elever:
        assert set(entry["systemId"]) == {"identifikatorverdi"}
    for path in (ELEVFORHOLD, UGM, ARBEIDSFORHOLD, "/utdanning/kodeverk/skolear"):
        for entry in api.entries(path):
            for value in entry["gyldighetsperiode"].values():
                assert DATE.match(value), (path, value)
    persons = api.entries(PERSON)
    assert all(DATE.match(p["fodselsdato"]) for p in persons)
    names = " ".join(" ".join(p["navn"].values()) for p in persons)
    assert {"æ", "ø", "å"} & set(names.lower()) == {"æ", "ø", "å"}
    assert any("mellomnavn" in p["navn"] for p in persons)
    assert any("mellomnavn" not in p["navn"] for p in persons)
    school = api.entries(SKOLE)[0]
    assert {"skolenummer", "organisasjonsnummer", "navn", "domenenavn", "kontaktinformasjon"} <= set(school)
    assert school["forretningsadresse"]["adresselinje"]
    assert school["_links"]["organisasjon"]


def test_fodselsnumre_are_valid_and_match_the_birth_date(api: Fint) -> None:
    for path in (PERSON, "/administrasjon/personal/person"):
        people = api.entries(path)
        numbers = [ident(p, "fodselsnummer") for p in people]
        assert len(set(numbers)) == len(numbers)
        for person, number in zip(people, numbers, strict=True):
            assert fnr.is_valid(number)
            assert fnr.birth_date(number).isoformat() == person["fodselsdato"][:10]


def test_v3_and_v4_class_views_show_the_same_groups(api: Fint) -> None:
    v3, v4 = api.entries("/utdanning/elev/basisgruppe"), api.entries("/utdanning/elev/klasse")
    assert [(ident(g), g["navn"]) for g in v3] == [(ident(g), g["navn"]) for g in v4]
    assert all("klassemedlemskap" in g["_links"] and "gruppemedlemskap" not in g["_links"] for g in v4)
    members = api.entries("/utdanning/elev/klassemedlemskap")
    assert {ident(m) for m in members} == {ident(m) for m in api.entries("/utdanning/elev/basisgruppemedlemskap")}


# --- identifier routes and paging ----------------------------------------------------------


def test_identifier_routes(api: Fint) -> None:
    elev = next(e for e in api.entries(ELEV) if "feidenavn" in e)
    for field in ("feidenavn", "elevnummer", "brukernavn", "systemid"):
        key = "systemId" if field == "systemid" else field
        assert api.one(ELEV, ident(elev, key), field) == elev
    person_href = elev["_links"]["person"][0]["href"]
    person = api.get(person_href).json()
    assert api.one(PERSON, ident(person, "fodselsnummer"), "fodselsnummer") == person
    school = api.entries(SKOLE)[0]
    assert api.one(SKOLE, ident(school, "skolenummer"), "skolenummer") == school
    org = api.entries(ORG)[0]
    assert api.one(ORG, ident(org, "organisasjonsKode"), "organisasjonskode") == org


def test_unknown_ids_and_classes_answer_404_with_json(drifting: Drifting) -> None:
    for path in (f"{ELEV}/systemid/nope", f"{PERSON}/fodselsnummer/01010112345", "/utdanning/elev/nope"):
        response = drifting.get(path)
        assert response.status_code == 404
        assert "message" in response.json()
        assert "01010112345" not in response.text  # a person id is never echoed
    sent, answered = drifting.problems()
    assert sent == ["/utdanning/elev/nope is no operation of FINT's consumer API"] and answered == []


def test_last_updated_and_cache_size(api: Fint) -> None:
    last = api.get(f"{ELEV}/last-updated").json()["lastUpdated"]
    assert isinstance(last, str) and last.isdigit()
    assert api.get(f"{ELEV}/cache/size").json()["size"] == len(api.entries(ELEV))


def test_paging_in_parallel_gives_the_whole_collection(api: Fint) -> None:
    full = api.entries(UGM)
    size = len(full) // 7 + 1

    def page(offset: int) -> Json:
        return dict(api.get(UGM, size=size, offset=offset).json())

    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(page, range(0, len(full), size)))
    assert all(p["total_items"] == len(full) for p in pages)
    assert [e for p in pages for e in p["_embedded"]["_entries"]] == full
    assert api.get(UGM, size=10, offset=len(full) + 5).json()["_embedded"]["_entries"] == []


def test_pages_carry_fint_s_paging_fields_and_links(api: Fint) -> None:
    """As fint-core-consumer: total_items is the cache, size the entries here, prev/next by offset and size."""
    total = len(api.entries(UGM))
    first = api.get(UGM, size=10).json()
    assert (first["total_items"], first["offset"], first["size"]) == (total, 0, 10)
    assert "prev" not in first["_links"]
    assert first["_links"]["next"][0]["href"].endswith(f"{UGM}?offset=10&size=10")
    last = api.get(UGM, size=10, offset=total - 3).json()
    assert (last["size"], "next" in last["_links"]) == (3, False)
    assert last["_links"]["prev"][0]["href"].endswith(f"offset={total - 13}&size=10")
    whole = api.get(UGM).json()
    assert (whole["offset"], whole["size"], whole["_links"]["self"][0]["href"]) == (0, total, api.base + UGM)


def test_a_bad_page_size_is_a_400(drifting: Drifting) -> None:
    assert drifting.get(UGM, size="ten").status_code == 400
    sent, answered = drifting.problems()
    assert sent == ["size is a non-negative integer, not 'ten'"] and answered == []


# --- simulated day and deltas --------------------------------------------------------------


def snapshot(api: Fint) -> dict[str, dict[str, Json]]:
    return {view.path: {self_href(e): e for e in api.entries(view.path)} for view in VIEWS}


def test_delta_after_a_day_is_exactly_what_changed(fresh: Fint) -> None:
    before = snapshot(fresh)
    marks = {view.path: fresh.get(f"{view.path}/last-updated").json()["lastUpdated"] for view in VIEWS}
    report = fresh.admin("/advance", days=1)
    assert report["today"] == "2026-11-24" and report["events"]
    after = snapshot(fresh)
    changed_classes = set()
    for view in VIEWS:
        expected = {k for k, e in after[view.path].items() if before[view.path].get(k) != e}
        # FINT's consumer returns what changed at or after the stamp: from the mark on, the mark's own row too.
        delta = fresh.get(view.path, sinceTimeStamp=int(marks[view.path]) + 1).json()
        assert {self_href(e) for e in delta["_embedded"]["_entries"]} == expected, view.path
        assert delta["total_items"] == len(after[view.path]), "total_items is the cache size, even for a delta"
        at_mark = fresh.get(view.path, sinceTimeStamp=marks[view.path]).json()["_embedded"]["_entries"]
        assert {self_href(e) for e in at_mark} >= expected and len(at_mark) <= len(expected) + 1
        assert set(before[view.path]) <= set(after[view.path])  # FINT does not delete
        now = fresh.get(f"{view.path}/last-updated").json()["lastUpdated"]
        assert fresh.get(view.path, sinceTimeStamp=int(now) + 1).json()["size"] == 0
        assert (now != marks[view.path]) == bool(expected)
        if expected:
            changed_classes.add(view.name)
    assert {"elev", "person", "elevforhold", "undervisningsgruppemedlemskap", "basisgruppe", "arbeidsforhold",
            "undervisningsforhold", "skoleressurs"} <= changed_classes  # fmt: skip
    ended = [e for e in after[ELEVFORHOLD].values() if e["gyldighetsperiode"].get("slutt") == "2026-11-23T23:00:00Z"]
    started = [e for e in after[ELEVFORHOLD].values() if e["gyldighetsperiode"]["start"] == "2026-11-23T23:00:00Z"]
    assert ended and started


def test_same_days_change_the_same_way() -> None:
    one, two = (generate(seed=9, size="small", today=TODAY) for _ in range(2))
    r1, r2 = one.advance_day(), two.advance_day()
    assert r1.events == r2.events and r1.changed == r2.changed and one.today == TODAY + dt.timedelta(days=1)
    h = Hrefs("http://sandbox")
    for view in VIEWS:
        rows = range(len(view.table(one)))
        assert [view.render(one, p, h) for p in rows] == [view.render(two, p, h) for p in rows]


# --- tokens and access -------------------------------------------------------------------


def test_token_endpoint_and_bearer_checks(drifting: Drifting) -> None:
    api = drifting
    token_url = "/nidp/oauth/nam/token"
    form = {"grant_type": "password", "username": CREDS["username"], "password": CREDS["password"]}
    token = api.http.post(token_url, auth=(CREDS["client_id"], CREDS["client_secret"]), data=form).json()
    assert token["token_type"] == "bearer" and token["scope"] == "fint-client" and token["expires_in"] > 0
    assert api.http.post(token_url, auth=("x", CREDS["client_secret"]), data=form).status_code == 401
    wrong = {**form, "password": "wrong"}
    assert api.http.post(token_url, auth=(CREDS["client_id"], CREDS["client_secret"]), data=wrong).status_code == 400
    assert api.http.get(ELEV).status_code == 401
    assert api.http.get(ELEV, headers={"Authorization": "Bearer forged"}).status_code == 401
    sent, answered = drifting.problems()
    assert sent == ["a FINT request carries an OAuth bearer token"] and answered == []


def test_tokens_expire_and_can_be_revoked() -> None:
    app = make_app(generate(seed=3, size="small", today=TODAY), token_lifetime=0.3)
    with serve_in_thread(app) as base:
        api = Fint(base)
        assert api.get(ELEV).status_code == 200
        time.sleep(0.4)
        assert api.get(ELEV).status_code == 401
        api.token = api.login()
        assert api.get(ELEV).status_code == 200
        assert api.admin("/tokens/lifetime", seconds=60)["token_lifetime"] == 60
        api.token = api.login()
        assert api.admin("/tokens/expire")["revoked"] >= 1
        assert api.get(ELEV).status_code == 401


def test_a_forbidden_class_answers_403(fresh: Fint) -> None:
    fresh.admin("/faults/forbid", path=PERSON)
    assert fresh.get(PERSON).status_code == 403
    assert fresh.get(ELEV).status_code == 200
    fresh.admin("/faults/clear")
    assert fresh.get(PERSON).status_code == 200


# --- the awkward cases -------------------------------------------------------------------


def test_awkward_cases_are_present(api: Fint) -> None:
    case = api.scenario()
    expired = api.one(ELEVFORHOLD, case["expired_elevforhold"]["elevforhold"])
    assert expired["gyldighetsperiode"]["slutt"] < TODAY_ISO
    future = api.one(ELEVFORHOLD, case["future_elevforhold"]["elevforhold"])
    assert future["gyldighetsperiode"]["start"] > TODAY_ISO
    two = api.one(ELEV, case["pupil_two_schools"]["elev"])
    forhold = api.follow(two, "elevforhold")
    assert sorted(f["hovedskole"] for f in forhold) == [False, True]
    assert len({f["_links"]["skole"][0]["href"] for f in forhold}) == 2

    twins = [api.follow(api.one(ELEV, e), "person")[0] for e in case["same_name_pupils"]]
    assert twins[0]["navn"] == twins[1]["navn"] and ident(twins[0], "fodselsnummer") != ident(twins[1], "fodselsnummer")
    no_mobile = api.one(ELEV, case["elev_without_mobile"])
    assert "mobiltelefonnummer" not in no_mobile["kontaktinformasjon"]
    assert "mobiltelefonnummer" not in api.follow(no_mobile, "person")[0]["kontaktinformasjon"]
    assert "feidenavn" not in api.one(ELEV, case["elev_without_feidenavn"])
    assert "mellomnavn" not in api.follow(api.one(ELEV, case["elev_without_mellomnavn"]), "person")[0]["navn"]
    assert "feidenavn" not in api.one(SKOLERESSURS, case["skoleressurs_without_feidenavn"])
    assert api.one(SKOLERESSURS, case["skoleressurs_without_skole"])["_links"]["skole"] == []


def test_active_teacher_without_a_valid_arbeidsforhold(api: Fint) -> None:
    case = api.scenario()["teacher_without_arbeidsforhold"]
    ressurs = api.one(SKOLERESSURS, case["skoleressurs"])
    teaching = api.follow(ressurs, "undervisningsforhold")
    assert any(t["_links"]["undervisningsgruppe"] for t in teaching)
    jobs = api.follow(api.follow(ressurs, "personalressurs")[0], "arbeidsforhold")
    assert jobs and all(j["gyldighetsperiode"].get("slutt", "9999") < TODAY_ISO for j in jobs)


def test_rector_employed_outside_the_school_unit(api: Fint) -> None:
    case = api.scenario()["rector_outside_school"]
    school = api.one(SKOLE, case["skole"])
    unit = api.follow(school, "organisasjon")[0]
    assert ident(unit, "organisasjonsId") == case["organisasjonselement"]
    leader = api.follow(unit, "leder")[0]
    assert ident(leader) == case["personalressurs"]
    workplaces = {last_segment(j["_links"]["arbeidssted"][0]["href"]) for j in api.follow(leader, "arbeidsforhold")}
    assert case["arbeidssted"] in workplaces and case["organisasjonselement"] not in workplaces
    parent = api.one(ORG, case["arbeidssted"], "organisasjonsid")
    assert "skole" not in parent["_links"]
    assert last_segment(unit["_links"]["overordnet"][0]["href"]) == case["arbeidssted"]
    ressurs = api.one(SKOLERESSURS, case["skoleressurs"])
    assert [link["href"] for link in ressurs["_links"]["skole"]] == [self_href(school)]
    # The leader link names the employee by systemid, the employee's first self link is the employee number.
    assert "/systemid/" in unit["_links"]["leder"][0]["href"]
    assert "/ansattnummer/" in leader["_links"]["self"][0]["href"]


def test_pupil_who_is_also_employee_has_one_fodselsnummer(api: Fint) -> None:
    case = api.scenario()["pupil_and_employee"]
    pupil = api.follow(api.one(ELEV, case["elev"]), "person")[0]
    ressurs = api.one(SKOLERESSURS, case["skoleressurs"])
    employee = api.follow(ressurs, "person")[0]
    assert ident(pupil, "fodselsnummer") == ident(employee, "fodselsnummer")
    assert pupil["navn"] == employee["navn"]
    assert "/administrasjon/personal/person/" in ressurs["_links"]["person"][0]["href"]


def test_arbeidsforhold_at_a_workplace_that_is_not_a_school(api: Fint) -> None:
    case = api.scenario()["workplace_outside_school"]
    job = api.one(ARBEIDSFORHOLD, case["arbeidsforhold"])
    unit = api.follow(job, "arbeidssted")[0]
    assert ident(unit, "organisasjonsId") == case["organisasjonselement"] and "skole" not in unit["_links"]
    school_units = {s["_links"]["organisasjon"][0]["href"] for s in api.entries(SKOLE)}
    assert self_href(unit) not in school_units
    assert api.one(SKOLERESSURS, case["skoleressurs"])["_links"]["skole"]


def test_scenario_holds_no_fodselsnummer(api: Fint) -> None:
    text = json.dumps(api.scenario())
    assert not any(fnr.is_valid(n) for n in re.findall(r"\d{11}", text))


# --- write-back ----------------------------------------------------------------------------


def poll(api: Fint, location: str) -> httpx.Response:
    for _ in range(10):
        response = api.get(location)
        if response.status_code != 202:
            return response
    raise AssertionError("write still pending after 10 polls")


def test_feidenavn_write_back_is_asynchronous(fresh: Fint) -> None:
    sid = fresh.scenario()["elev_without_feidenavn"]
    elev = fresh.one(ELEV, sid)
    mark = fresh.get(f"{ELEV}/last-updated").json()["lastUpdated"]
    response = fresh.put(f"{ELEV}/systemid/{sid}", {**elev, "feidenavn": {"identifikatorverdi": "ny.elev@test.no"}})
    assert response.status_code == 202 and not response.content
    location = response.headers["location"]
    assert location.startswith(f"{fresh.base}{ELEV}/status/")
    assert fresh.get(location).status_code == 202  # pending for one poll
    done = fresh.get(location)
    # 201 with the resource, its Location the resource's first self link (fint-core-consumer)
    assert done.status_code == 201 and done.json()["feidenavn"] == {"identifikatorverdi": "ny.elev@test.no"}
    assert done.headers["location"] == done.json()["_links"]["self"][0]["href"]
    assert fresh.get(done.headers["location"]).json() == done.json()
    assert ident(fresh.one(ELEV, "ny.elev@test.no", "feidenavn")) == sid
    delta = fresh.entries(ELEV, sinceTimeStamp=int(mark) + 1)
    assert [ident(e) for e in delta] == [sid]


def test_feidenavn_writes_are_rejected_like_the_source_would(fresh: Fint) -> None:
    case = fresh.scenario()
    taken = next(e for e in fresh.entries(ELEV) if "feidenavn" in e)
    sid = case["elev_without_feidenavn"]
    elev = fresh.one(ELEV, sid)
    response = fresh.put(f"{ELEV}/systemid/{sid}", {**elev, "feidenavn": {"identifikatorverdi": "no-at-sign"}})
    rejected = poll(fresh, response.headers["location"])
    assert rejected.status_code == 400 and rejected.json()["message"]
    name = ident(taken, "feidenavn")
    response = fresh.put(f"{ELEV}/systemid/{sid}", {**elev, "feidenavn": {"identifikatorverdi": name}})
    conflict = poll(fresh, response.headers["location"])
    assert conflict.status_code == 409 and conflict.json()["systemId"] == taken["systemId"], "with the holder"
    assert "feidenavn" not in fresh.one(ELEV, sid)
    # One person, one Feide name: the employed pupil's skoleressurs may take the pupil's name.
    pupil = fresh.one(ELEV, case["pupil_and_employee"]["elev"])
    ressurs_id = case["pupil_and_employee"]["skoleressurs"]
    ressurs = fresh.one(SKOLERESSURS, ressurs_id)
    response = fresh.put(f"{SKOLERESSURS}/systemid/{ressurs_id}", {**ressurs, "feidenavn": pupil["feidenavn"]})
    assert poll(fresh, response.headers["location"]).status_code == 201


def test_forced_write_outcomes_and_a_lost_status(fresh: Fint) -> None:
    fresh.admin("/writes/pending", polls=0)
    elev = fresh.entries(ELEV)[0]
    path = f"{ELEV}/brukernavn/{ident(elev, 'brukernavn')}"  # any identifier addresses a write
    for result, status in (("error", 500), ("gone", 410), ("reject", 400), ("conflict", 409)):
        fresh.admin("/writes/outcome", result=result)
        response = fresh.put(path, {**elev, "feidenavn": {"identifikatorverdi": "x@test.no"}})
        assert poll(fresh, response.headers["location"]).status_code == status, result
    assert fresh.get(f"{ELEV}/status/not-a-job").status_code == 410, "an unknown status is gone, not the resource"
    assert "x@test.no" not in json.dumps(fresh.one(ELEV, ident(elev)))


def test_bad_write_requests(drifting: Drifting) -> None:
    elev = drifting.entries(ELEV)[0]
    path = f"{ELEV}/systemid/{ident(elev)}"
    assert drifting.put(f"{ELEVFORHOLD}/systemid/74000001", {}).status_code == 405
    bad = drifting.http.put(path, content=b"{not json", headers={"Authorization": f"Bearer {drifting.token}"})
    assert bad.status_code == 400
    assert drifting.http.put(path, content=orjson.dumps(elev)).status_code == 401
    sent, answered = drifting.problems()
    assert answered == []
    # The 405 and the 401 are answered before the body is read: only the 400's body and the 401's
    # missing token are the request's to answer for.
    assert sent == ["the written resource is not JSON", "a FINT request carries an OAuth bearer token"]


# --- faults --------------------------------------------------------------------------------


def test_injected_failures_delays_truncation_and_dangling_links(fresh: Fint) -> None:
    fresh.admin("/faults/fail", count=2, status=503, path=ELEV)
    assert [fresh.get(ELEV).status_code for _ in range(3)] == [503, 503, 200]
    assert fresh.get(PERSON).status_code == 200

    fresh.admin("/faults/delay", seconds=0.5, count=1)
    with pytest.raises(httpx.ReadTimeout):
        fresh.http.get(ELEV, headers={"Authorization": f"Bearer {fresh.token}"}, timeout=0.2)
    assert fresh.get(ELEV).status_code == 200

    fresh.admin("/faults/truncate", path=ELEVFORHOLD)
    broken = fresh.get(ELEVFORHOLD)
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.text)
    assert fresh.get(ELEVFORHOLD).json()["total_items"] > 0

    elev = fresh.entries(ELEV)[0]
    person_href = elev["_links"]["person"][0]["href"]
    fresh.admin("/faults/missing", href=person_href)
    assert fresh.get(person_href).status_code == 404
    assert fresh.get(self_href(elev)).status_code == 200
    state = fresh.http.get("/_sandbox").json()
    assert state["faults"]["missing"] and state["today"] == TODAY.isoformat()
    fresh.admin("/faults/clear")
    assert fresh.get(person_href).status_code == 200


def test_prewarm_fills_the_page_cache(fresh: Fint) -> None:
    warm = fresh.admin("/prewarm")
    assert warm["cache_bytes"] > 0
    assert fresh.entries(UGM) == fresh.entries(UGM)


# --- CLI -----------------------------------------------------------------------------------


def test_cli_prints_where_and_how_but_no_personal_data(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(fint_cli, "serve_forever", lambda app, host, port: served.append((host, port)))
    fint_cli.fint(port=0, seed=4, size="small")
    out = capsys.readouterr().out
    host, port = served[0]
    assert f"http://{host}:{port}/nidp/oauth/nam/token" in out
    assert fint_cli.DEMO_CLIENT_ID in out and fint_cli.DEMO_PASSWORD in out
    assert not re.search(r"\d{11}", out)


def test_catalog_serves_the_documented_paths() -> None:
    for path in ("/utdanning/elev/basisgruppe", "/utdanning/elev/klasse", "/utdanning/elev/klassemedlemskap",
                 "/utdanning/elev/kontaktlarergruppemedlemskap", "/utdanning/timeplan/fag",
                 "/utdanning/utdanningsprogram/arstrinn", "/utdanning/kodeverk/termin",
                 "/utdanning/kodeverk/elevkategori", "/administrasjon/personal/person",
                 "/administrasjon/kodeverk/stillingskode", "/administrasjon/kodeverk/arbeidsforholdstype"):  # fmt: skip
        assert path in BY_PATH
