"""Every group type, id format and membership field, against the seed's and formats.md §5's examples."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from edusync.config.groupsapi import GroupsApiConfig
from edusync.groupsapi.mapping import Mapper, Mv
from tests.groupsapi.conftest import Api
from tests.groupsapi.site import LECTURER, PUPIL, STUDENT, TEACHER

# The seed (docs.feide.no, FS field of study), verbatim.
SEED_STR = {
    "id": "fc:fs:fs:str:example.org:KS",
    "type": "fc:fs:str",
    "displayName": "Kompliserte studier",
    "membership": {
        "basic": "member",
        "active": True,
        "displayName": "Student",
        "fsroles": ["STUDENT"],
        "notBefore": "2024-07-30T22:00:00Z",
        "notAfter": "2025-07-30T22:00:00Z",
    },
    "parent": "fc:org:example.org",
}
# formats.md §5.4, FS course example, verbatim.
DOCS_EMNE = {
    "id": "fc:fs:fs:emne:example.org:OTF5913:A",
    "type": "fc:fs:emne",
    "displayName": "Bruk av oddetall",
    "membership": {
        "basic": "member",
        "active": True,
        "displayName": "Student",
        "fsroles": ["STUDENT"],
        "notBefore": "2024-07-30T22:00:00Z",
        "notAfter": "2025-07-30T22:00:00Z",
        "subjectRelations": "undervisning",
    },
    "url": "https://www.example.org/emne/otf5913",
    "parent": "fc:org:example.org",
}
# formats.md §5.4, GO teaching group example, verbatim.
DOCS_GO = {
    "id": "fc:gogroup:eksempel.kommune.no:u:NO987654321:3a-matte:2000-07-01:2100-06-30",
    "type": "fc:gogroup",
    "displayName": "Matte 3A",
    "membership": {"basic": "member", "displayName": "Elev", "affiliation": "student"},
    "notBefore": "2000-06-30T22:00:00Z",
    "notAfter": "2100-06-30T22:00:00Z",
    "go_type": "u",
    "parent": "fc:gogroup:eksempel.kommune.no:unit:NO987654321",
    "go_type_displayName": "undervisningsgruppe",
    "grep": {"displayName": "Matematikk 3. årstrinn", "code": "MAT0003"},
}


def _by_id(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {g["id"]: g for g in groups}


def test_fs_field_of_study_is_the_seed_example(api: Api) -> None:
    with api.as_user(STUDENT) as client:
        groups = _by_id(client.get("/groups/me/groups").json())
    assert groups[SEED_STR["id"]] == SEED_STR
    assert list(groups[SEED_STR["id"]]) == list(SEED_STR)  # and in the seed's field order


def test_fs_course_is_the_documented_example(api: Api) -> None:
    with api.as_user(STUDENT) as client:
        groups = _by_id(client.get("/groups/me/groups").json())
    assert groups[DOCS_EMNE["id"]] == DOCS_EMNE


def test_go_teaching_group_is_the_documented_example_with_a_parent_that_exists(api: Api) -> None:
    with api.as_user(PUPIL) as client:
        groups = _by_id(client.get("/groups/me/groups").json())
        go = groups[DOCS_GO["id"]]
        # The docs' example names the parent fc:gogroup:…:unit:…, a group no endpoint serves; Feide's own
        # backend (and formats.md §5.3) names the school, fc:org:<realm>:unit:<orgnr>, which resolves.
        assert go == {**DOCS_GO, "parent": "fc:org:eksempel.kommune.no:unit:NO987654321"}
        school = client.get("/groups/groups/" + quote(go["parent"], safe=""))
    assert school.status_code == 200
    assert school.json()["type"] == "fc:orgunit"


def test_programme_and_cohort_ids_and_parents(api: Api) -> None:
    with api.as_user(STUDENT) as client:
        groups = _by_id(client.get("/groups/me/groups").json())
    programme = groups["fc:fs:fs:prg:example.org:RF"]
    cohort = groups["fc:fs:fs:kull:example.org:RF:2024H"]  # formats.md §5.3's example id
    assert (programme["type"], programme["displayName"], programme["parent"]) == (
        "fc:fs:prg",
        "Rettsfag",
        "fc:org:example.org",
    )
    assert (cohort["type"], cohort["parent"]) == ("fc:fs:kull", "fc:fs:fs:prg:example.org:RF")
    assert cohort["membership"] == SEED_STR["membership"]


def test_org_and_orgunit_for_a_pupil(api: Api) -> None:
    with api.as_user(PUPIL) as client:
        groups = client.get("/groups/me/groups").json()
    org, unit = groups[0], groups[1]  # the organisation first, then its units
    assert org == {
        "id": "fc:org:eksempel.kommune.no",
        "type": "fc:org",
        "displayName": "Eksempel kommune",
        "membership": {
            "basic": "member",
            "affiliation": ["student", "member"],
            "primaryAffiliation": "student",
            "displayName": "Elev",
        },
        "public": True,
        "orgType": ["upper_secondary_owner"],
    }
    assert unit == {
        "id": "fc:org:eksempel.kommune.no:unit:NO987654321",  # as formats.md's fc:org:uninett.no:unit:NO876326125
        "type": "fc:orgunit",
        "displayName": "Eksempel skole",
        "membership": {"basic": "member", "primaryOrgUnit": True},
        "parent": "fc:org:eksempel.kommune.no",
        "public": True,
    }


def test_go_types_and_their_names(api: Api) -> None:
    with api.as_user(PUPIL) as client:
        go = [g for g in client.get("/groups/me/groups").json() if g["type"] == "fc:gogroup"]
    kinds = {g["displayName"]: (g["go_type"], g["go_type_displayName"]) for g in go}
    assert kinds == {
        "Matte 3A": ("u", "undervisningsgruppe"),
        "3A": ("b", "basisgruppe"),
        "3A kontaktlærer": ("a", "andre grupper"),
        "Årbok": ("u", "undervisningsgruppe"),
    }
    assert all("grep" not in g for g in go if g["go_type"] != "u")
    basis = next(g for g in go if g["go_type"] == "b")
    assert basis["id"] == "fc:gogroup:eksempel.kommune.no:b:NO987654321:3a:2000-07-01:2100-06-30"


def test_teacher_is_admin_of_the_go_group_and_instructor_owner_of_the_fs_group(api: Api) -> None:
    with api.as_user(TEACHER) as client:
        teacher = _by_id(client.get("/groups/me/groups").json())
    assert teacher[DOCS_GO["id"]]["membership"] == {"basic": "admin", "displayName": "Lærer", "affiliation": "faculty"}
    assert teacher["fc:org:eksempel.kommune.no"]["membership"]["basic"] == "admin"  # an employee of the owner
    with api.as_user(LECTURER) as client:
        lecturer = _by_id(client.get("/groups/me/groups").json())
    assert lecturer["fc:fs:fs:prg:example.org:RF"]["membership"] == {
        "basic": "owner",
        "active": True,
        "displayName": "Akademisk ansatt",
        "fsroles": ["FAGLÆRER"],
        "notBefore": "2019-12-31T23:00:00Z",
    }


def test_membership_of_one_group_is_the_membership_object(api: Api) -> None:
    with api.as_user(STUDENT) as client:
        answer = client.get("/groups/me/groups/" + quote(SEED_STR["id"], safe=""))
    assert answer.status_code == 200
    assert answer.json() == SEED_STR["membership"]  # basic at the top level, as core-apis' tests assert


def test_grouptypes_lists_every_type_served(api: Api) -> None:
    with api.client(api.token()) as client:
        types = client.get("/groups/grouptypes").json()
    ids = [t["id"] for t in types]
    assert ids == ["fc:org", "fc:orgunit", "fc:gogroup", "fc:fs:prg", "fc:fs:str", "fc:fs:kull", "fc:fs:emne"]
    assert all(t["displayName"]["nb"] and t["displayName"]["en"] for t in types)


def test_documented_go_id_with_a_slash_in_the_local_id() -> None:
    """formats.md §5.3: fc:gogroup:trondheim.kommune.no:u:NO974588145:427383%2Fsaf0010:2021-07-31:2022-07-30."""
    mapper = Mapper(GroupsApiConfig())
    school = Mv("org-1", {"basOrgNumber": "974588145", "displayName": "Skole"})
    attrs = {"basSASID": "427383/SAF0010", "basStartDate": "2021-07-31", "basEndDate": "2022-07-30", "type": "u"}
    group = mapper.go("trondheim.kommune.no", Mv("gro-1", attrs), "u", school)
    assert group.id == "fc:gogroup:trondheim.kommune.no:u:NO974588145:427383%2Fsaf0010:2021-07-31:2022-07-30"
    assert group.body["parent"] == "fc:org:trondheim.kommune.no:unit:NO974588145"


def test_go_api_id_is_the_ldap_group_id_with_the_prefix_replaced() -> None:
    """formats.md §5.5: the API id is the catalogue's groupid entitlement under fc:gogroup:<realm>."""
    from edusync.connectors.ldap.entitlements import group_value

    _, ldap_id = group_value(
        {"type": "u", "grep": "MAT0003", "orgnr": "987654321", "id": "3A-MATTE", "start": "2000-07-01",
         "end": "2100-06-30", "role": "student", "name": "Matte 3A"}
    )  # fmt: skip
    assert "fc:gogroup:eksempel.kommune.no:" + ldap_id.removeprefix("urn:mace:feide.no:go:groupid:") == DOCS_GO["id"]
