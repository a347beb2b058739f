"""Who is imported and with which roles: the seed's criteria and the sandbox's awkward cases."""

from __future__ import annotations

from typing import Any

from edusync.connectors.fint.settings import Filters
from tests.connectors.fint.conftest import Fint, people, records

ELEV = "/utdanning/elev/elev/systemid/"
SR = "/utdanning/elev/skoleressurs/systemid/"


def _by(persons: dict[str, dict[str, Any]], attr: str, value: str) -> dict[str, Any] | None:
    return next((p for p in persons.values() if p.get(attr) == value), None)


def _roles(p: dict[str, Any] | None) -> set[str]:
    return {r.split("@")[0] for r in (p or {}).get("RolleOgSkole", [])}


def test_pupils_need_an_elevforhold_valid_today(fint: Fint) -> None:
    persons = people(fint.connector())
    sc = fint.scenario
    assert _by(persons, "ElevSystemIdUri", ELEV + sc["expired_elevforhold"]["elev"]) is None
    assert _by(persons, "ElevSystemIdUri", ELEV + sc["future_elevforhold"]["elev"]) is None
    two = _by(persons, "ElevSystemIdUri", ELEV + sc["pupil_two_schools"]["elev"])
    assert two is not None and len([r for r in two["RolleOgSkole"] if r.startswith("elevforhold@")]) == 2
    assert two["ElevforholdHovedskole"] in {r.split("@")[1] for r in two["RolleOgSkole"]}


def test_pupil_category_filter(fint: Fint) -> None:
    everyone = people(fint.connector())
    pupils = [p for p in everyone.values() if "elevforhold" in _roles(p)]
    filtered = people(fint.connector(filters=Filters(elevkategori_include=["__none__"])))
    assert pupils and not [p for p in filtered.values() if "elevforhold" in _roles(p)]
    assert len(filtered) == len(everyone) - len(pupils) + len([p for p in pupils if _roles(p) - {"elevforhold"}]), (
        "staff are untouched by the pupil filter; a pupil who also works stays as staff"
    )


def test_staff_criteria_and_the_awkward_cases(fint: Fint) -> None:
    sc = fint.scenario
    persons = people(fint.connector())
    by_sr = {p.get("SkoleressursSystemIdUri"): p for p in persons.values()}
    assert SR + sc["skoleressurs_without_skole"] not in by_sr, "no skole: not imported"
    teacher = by_sr[SR + sc["teacher_without_arbeidsforhold"]["skoleressurs"]]
    assert _roles(teacher) == {"undervisningsforhold"}, "an active teacher without a valid job is still imported"
    rector = by_sr[SR + sc["rector_outside_school"]["skoleressurs"]]
    assert "skoleressurs" in _roles(rector), "the school's leader is imported as its staff"
    outside = by_sr.get(SR + sc["workplace_outside_school"]["skoleressurs"])
    assert outside is None or "skoleressurs" not in _roles(outside), "a job at the IT unit is not a school job"


def test_a_pupil_who_works_is_one_person_with_both_roles(fint: Fint) -> None:
    sc = fint.scenario["pupil_and_employee"]
    persons = people(fint.connector())
    both = [p for p in persons.values() if p.get("ElevSystemIdUri") == ELEV + sc["elev"]]
    assert len(both) == 1
    assert {"elevforhold", "skoleressurs"} <= _roles(both[0])
    assert both[0]["SkoleressursSystemIdUri"] == SR + sc["skoleressurs"]
    fnrs = [p["PersonFodselsnummer"] for p in persons.values()]
    assert len(fnrs) == len(set(fnrs)), "one eduPerson per natural person"


def test_same_names_and_missing_optional_fields(fint: Fint) -> None:
    sc = fint.scenario
    persons = people(fint.connector())
    twins = [_by(persons, "ElevSystemIdUri", ELEV + e) for e in sc["same_name_pupils"]]
    assert twins[0] and twins[1] and twins[0]["ElevPersonalSystemId"] != twins[1]["ElevPersonalSystemId"]
    assert (twins[0]["PersonNavnFornavn"], twins[0]["PersonNavnEtternavn"]) == (
        twins[1]["PersonNavnFornavn"],
        twins[1]["PersonNavnEtternavn"],
    )
    no_feide = _by(persons, "ElevSystemIdUri", ELEV + sc["elev_without_feidenavn"])
    assert no_feide is not None and "ElevFeidenavn" not in no_feide
    for p in persons.values():
        assert all(v not in (None, "", [], {}) for v in p.values()), "no empty values are staged"


def test_reading_order_decides_anchor_and_person_source(fint: Fint) -> None:
    persons = people(fint.connector())
    for anchor, p in persons.items():
        assert p["ElevPersonalSystemId"] == anchor
        if anchor.startswith(ELEV):
            assert p["PersonKilde"] == "elev"
        else:
            assert anchor.startswith("/administrasjon/personal/personalressurs/") and p["PersonKilde"] == "personal"


def test_groups_memberships_and_units(fint: Fint) -> None:
    con = fint.connector()
    groups = records(con, "eduGroup")
    kinds = {r.attrs["EduGroupType"] for r in groups.values()}
    assert kinds == {"basisgruppe", "undervisningsgruppe", "kontaktlarergruppe"}
    persons = records(con, "eduPerson")
    members = records(con, "eduMembership")
    assert all(m.attrs["person"] in persons and m.attrs["group"] in groups for m in members.values())
    roles = {m.attrs["role"] for m in members.values()}
    assert roles == {"Elev", "Lærer"}
    units = records(con, "eduOrgUnitGroup")
    unit_members = records(con, "eduOrgUnitMembership")
    assert len(units) == 3 * len(records(con, "eduOrgUnit"))
    assert all(m.attrs["group"] in units and m.attrs["person"] in persons for m in unit_members.values())
    schools = records(con, "eduOrgUnit")
    org = records(con, "eduOrg")
    assert len(org) == 1 and all(s.attrs["Skoleeier"] in org for s in schools.values())
