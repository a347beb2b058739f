"""Export over real HTTP: persons, groups of each type, memberships, the trash, batches and per-item results."""

from __future__ import annotations

import itertools
from typing import Any

from edusync.connectors.imses import ImsesConnector
from edusync.connectors.imses.reading import read_group, read_memberships, read_persons
from edusync.model.records import Change, ChangeResult, Op
from tests.connectors.imses.conftest import Site

_ids = itertools.count(1)
ASE = {
    "givenName": "Åse",
    "familyName": "Ødegård",
    "fullName": "Åse Ødegård",
    "username": "ase@fylke.no",
    "email": "ase@elev.fylke.no",
    "mobile": "999 00 111",
    "role": "student",
    "gender": "kvinne",
    "birthDate": "2010-03-04",
    "nin": "04031012345",
}
OLA = {"givenName": "Ola", "familyName": "Nordmann", "feide": "ola@fylke.no", "role": ["teacher", "staff"]}


def change(object_type: str, key: str, op: Op = Op.ADD, **attrs: Any) -> Change:
    return Change(next(_ids), object_type, key, op, attrs)


def by_id(results: list[ChangeResult]) -> dict[int, ChangeResult]:
    assert len(results) == len({r.change_id for r in results}), "one result per change"
    return {r.change_id: r for r in results}


def school_and_course() -> list[Change]:
    return [
        change("organisation", "S1", name="Hylla skole"),
        change("group", "C1", name="Matematikk 1T", parent="S1", courseCode="MAT1019", credits="5"),
    ]


def test_persons_are_created_updated_and_read_back(connector: ImsesConnector, site: Site) -> None:
    results = connector.export([change("person", "p1", **ASE), change("person", "p2", **OLA)])
    assert all(r.ok for r in results), results
    held = read_persons(connector.client, ["p1", "p2", "nobody"])
    assert held["p1"] == {
        "givenName": "Åse",
        "familyName": "Ødegård",
        "fullName": "Åse Ødegård",
        "username": "ase@fylke.no",
        "email": "ase@elev.fylke.no",
        "mobile": "+4799900111",
        "gender": "Female",
        "birthDate": "2010-03-04",
        "role": ["Student"],
    }
    assert held["p2"]["username"] == "ola@fylke.no", "the Feide name is the username when there is no other"
    assert held["p2"]["role"] == ["Staff", "Staff"], "teacher maps to itslearning's Staff profile"
    assert "nobody" not in held
    assert site.calls() == [("createPersons", 2), ("readPersons", 3)]

    # create again: an upsert, not a duplicate or an error
    again = connector.export([change("person", "p1", Op.UPDATE, **{**ASE, "email": "aase@elev.fylke.no"})])
    assert again[0].ok
    assert read_persons(connector.client, ["p1"])["p1"]["email"] == "aase@elev.fylke.no"
    assert site.summary()["persons"] == ["p1", "p2"]


def test_a_birth_date_goes_only_with_a_known_gender(connector: ImsesConnector) -> None:
    """IMS ES demographics require a gender, so a birth date without one cannot be sent."""
    unknown = {**OLA, "birthDate": "1980-01-02"}
    changes = [change("person", "p1", **unknown), change("person", "p2", **{**unknown, "gender": "0"})]
    changes.append(change("person", "p3", **{**unknown, "gender": "m"}))
    assert all(r.ok for r in connector.export(changes))
    held = read_persons(connector.client, ["p1", "p2", "p3"])
    assert "birthDate" not in held["p1"] and "gender" not in held["p1"]
    assert "birthDate" not in held["p2"]
    assert (held["p3"]["gender"], held["p3"]["birthDate"]) == ("Male", "1980-01-02")


def test_no_national_id_is_sent(connector: ImsesConnector, site: Site) -> None:
    bad_nin = {**ASE, "nin": "123"}  # not even a fødselsnummer: irrelevant, since IMS ES carries none
    assert connector.export([change("person", "p1", **bad_nin)])[0].ok
    assert "04031012345" not in str(read_persons(connector.client, ["p1"]))


def test_delete_moves_to_the_trash_and_create_restores(connector: ImsesConnector, site: Site) -> None:
    connector.export([change("person", "p1", **ASE), *school_and_course()])
    connector.export([change("membership", "m1", person="p1", group="C1", role="student")])
    deleted = connector.export([change("person", "p1", Op.DELETE)])
    assert deleted[0].ok
    summary = site.summary()
    assert summary["persons"] == [] and summary["trash"] == ["p1"]
    assert read_persons(connector.client, ["p1"]) == {}
    # itslearning refuses to delete a trashed person again; that is the state edusync wanted, so it is done
    assert connector.export([change("person", "p1", Op.DELETE)])[0].ok

    restored = connector.export([change("person", "p1", Op.RESTORE, **ASE)])
    assert restored[0].ok
    summary = site.summary()
    assert summary["persons"] == ["p1"] and summary["trash"] == [] and summary["restored"] == 1
    assert read_memberships(connector.client, "C1")["m1"]["person"] == "p1", "the membership came back with them"


def test_each_group_type_with_course_fields(connector: ImsesConnector, site: Site) -> None:
    results = connector.export(
        [
            *school_and_course(),
            change("group", "CG1", name="1T gruppe A", groupType="CourseGroup", parent="C1"),
            change("group", "K1", name="1STA", groupType="basisgruppe", school="S1"),
            change("group", "C2", name="Norsk", groupType="undervisningsgruppe", school="S1", courseTitle="Norsk vg1"),
        ]
    )
    assert all(r.ok for r in results), results
    groups = site.summary()["groups"]
    assert {k: (g["type"], g["parent"]) for k, g in groups.items()} == {
        "fylke": ("Site", None),
        "S1": ("School", None),
        "C1": ("Course", "S1"),
        "CG1": ("CourseGroup", "C1"),
        "K1": ("Unspecified", "S1"),
        "C2": ("Course", "S1"),
    }
    assert read_group(connector.client, "C1") == {
        "groupType": "Course",
        "name": "Matematikk 1T",
        "parent": "S1",
        "courseTitle": "Matematikk 1T",
        "courseCode": "MAT1019",
        "credits": "5",
    }
    assert read_group(connector.client, "C2")["courseTitle"] == "Norsk vg1"  # type: ignore[index]
    assert read_group(connector.client, "nothing") is None


def test_a_long_name_is_cut_to_the_title_and_kept_whole_in_the_long_description(connector: ImsesConnector) -> None:
    name = "Tverrfaglig prosjekt i naturfag, matematikk og samfunnskunnskap for vg1 studiespesialisering"
    assert all(r.ok for r in connector.export([*school_and_course(), change("group", "C9", name=name, parent="S1")]))
    held = read_group(connector.client, "C9")
    assert held is not None
    assert held["name"] == name[:64].rstrip() and held["description"] == name


def test_a_course_group_is_sent_after_its_course_even_when_planned_first(connector: ImsesConnector, site: Site) -> None:
    child = change("group", "CG1", name="gruppe A", groupType="CourseGroup", parent="C1")
    results = by_id(connector.export([child, *reversed(school_and_course())]))
    assert all(r.ok for r in results.values())
    assert site.calls() == [("createGroups", 3)]


def test_memberships_with_roles_dates_and_home_organisation(connector: ImsesConnector, site: Site) -> None:
    base = [change("person", "p1", **ASE), change("person", "p2", **OLA), *school_and_course()]
    members = [
        change("membership", "m1", person="p1", group="C1", role="student", end="2026-06-20"),
        change("membership", "m2", person="p2", group="C1", role="teacher", begin="2025-08-15"),
        change("membership", "m3", person="p2", group="S1", roletype="05", subrole="rektor", homeOrganisation="1"),
        change("membership", "m4", person="p1", group="S1", role="Learner", status="inactive"),
    ]
    results = connector.export([*base, *members])
    assert all(r.ok for r in results), results
    c1 = read_memberships(connector.client, "C1")
    assert c1 == {
        "m1": {"group": "C1", "person": "p1", "role": "Learner", "end": "2026-06-20"},
        "m2": {"group": "C1", "person": "p2", "role": "Instructor", "begin": "2025-08-15"},
    }
    s1 = read_memberships(connector.client, "S1")
    assert s1["m3"] == {"group": "S1", "person": "p2", "role": "Manager", "subrole": "rektor"}
    assert s1["m4"]["status"] == "false"

    moved = connector.export([change("membership", "m1", Op.UPDATE, person="p1", group="C1", role="assistant")])
    assert moved[0].ok
    assert read_memberships(connector.client, "C1")["m1"]["role"] == "TeachingAssistant"
    assert connector.export([change("membership", "m2", Op.DELETE)])[0].ok
    assert set(read_memberships(connector.client, "C1")) == {"m1"}


def test_batches_follow_batch_size_and_each_status_lands_on_its_change(site: Site) -> None:
    connector = site.connector(batch_size=3)
    persons = [change("person", f"p{i}", **{**OLA, "username": f"u{i}"}) for i in range(7)]
    site.fail_item("p4", "Username u4 is already taken by another user")
    results = by_id(connector.export(persons))
    failed = {c.key: results[c.id].error for c in persons if not results[c.id].ok}
    assert list(failed) == ["p4"]
    assert "Username u4 is already taken" in (failed["p4"] or "")
    assert "createPersons" in (failed["p4"] or "") and "invaliddata" in (failed["p4"] or "")
    assert site.calls() == [("createPersons", 3), ("createPersons", 3), ("createPerson", 1)]
    assert site.summary()["persons"] == ["p0", "p1", "p2", "p3", "p5", "p6"]


def test_deletes_go_in_batches_and_groups_one_by_one(connector: ImsesConnector, site: Site) -> None:
    connector.export([change("person", "p1", **ASE), change("person", "p2", **OLA), *school_and_course()])
    members = [change("membership", "m1", person="p1", group="C1"), change("membership", "m2", person="p2", group="C1")]
    connector.export(members)
    site.admin("DELETE", "/faults/items")
    before = len(site.calls())
    deletes = [
        change("membership", "m1", Op.DELETE),
        change("membership", "m2", Op.DELETE),
        change("group", "C1", Op.ARCHIVE, name="Matematikk 1T"),
        change("organisation", "S1", Op.DELETE),
        change("person", "p1", Op.DELETE),
        change("person", "p2", Op.DELETE),
    ]
    assert all(r.ok for r in connector.export(deletes))
    assert site.calls()[before:] == [
        ("deleteMemberships", 2),
        ("deleteGroup", 1),
        ("deleteGroup", 1),
        ("deletePersons", 2),
    ]
    summary = site.summary()
    assert summary["archived"] == ["C1"], "a deleted course is archived by itslearning"
    assert set(summary["groups"]) == {"fylke"} and summary["trash"] == ["p1", "p2"]


def test_archive_keep_leaves_the_group(site: Site) -> None:
    connector = site.connector(archive="keep")
    connector.export(school_and_course())
    assert connector.export([change("group", "C1", Op.ARCHIVE, name="Matematikk 1T", parent="S1")])[0].ok
    assert "C1" in site.summary()["groups"]


def test_what_itslearning_cannot_take_fails_alone_with_the_reason(connector: ImsesConnector, site: Site) -> None:
    changes = [
        change("person", "p1", givenName="Bare", role="student"),
        change("person", "x" * 65, **ASE),
        change("group", "G1", name="Ukjent", groupType="kantine"),
        change("group", "G2", name="Gruppe", groupType="CourseGroup"),
        change("membership", "m1", person="p9", group="C1", role="vaktmester"),
        change("account", "a1"),
        change("person", "p2", **OLA),
    ]
    results = by_id(connector.export(changes))
    errors = [results[c.id].error or "" for c in changes]
    assert "needs givenName and familyName" in errors[0]
    assert "1-64 characters" in errors[1]
    assert "groupType: 'kantine'" in errors[2] and "group_types" in errors[2]
    assert "CourseGroup needs its course" in errors[3]
    assert "role: 'vaktmester'" in errors[4]
    assert "no object type 'account'" in errors[5]
    assert results[changes[-1].id].ok
    assert all(not results[c.id].retriable for c in changes[:-1]), "sending these again changes nothing"
    assert site.calls() == [("createPerson", 1)], "nothing invalid was sent"


def test_the_site_refuses_and_says_why_per_item(connector: ImsesConnector, site: Site) -> None:
    connector.export([*school_and_course(), change("person", "p1", **ASE)])
    changes = [
        change("group", "CG1", name="Under skolen", groupType="CourseGroup", parent="S1"),
        change("group", "S1", Op.UPDATE, name="Hylla skole", groupType="Course"),
        change("membership", "m1", person="p1", group="C1"),
        change("membership", "m2", person="ghost", group="C1"),
        change("membership", "m3", person="p1", group="C1", homeOrganisation="true"),
    ]
    results = by_id(connector.export(changes))
    assert [results[c.id].ok for c in changes] == [False, False, True, False, False]
    assert "parent of a CourseGroup must be a Course" in (results[changes[0].id].error or "")
    assert "cannot become a Course" in (results[changes[1].id].error or "")
    assert "person ghost does not exist" in (results[changes[3].id].error or "")
    assert "HomeOrganisation" in (results[changes[4].id].error or "")


def test_separate_service_endpoints(site: Site) -> None:
    base = f"{site.base}/WCFServiceLibrary"
    connector = site.connector(
        url=f"{base}/nowhere.svc",
        person_url=f"{base}/PersonManagementServiceSync.svc",
        group_url=f"{base}/GroupManagementServiceSync.svc",
        membership_url=f"{base}/MembershipManagementServiceSync.svc",
    )
    changes = [change("person", "p1", **ASE), *school_and_course(), change("membership", "m1", person="p1", group="C1")]
    assert all(r.ok for r in connector.export(changes))
