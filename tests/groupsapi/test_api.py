"""What apps rely on beyond the shapes: showAll, member lists, ids in paths, 404s, OpenAPI, fresh data."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from edusync.groupsapi.app import create_app
from edusync.sandbox.serving import serve_in_thread
from tests.groupsapi.conftest import Api
from tests.groupsapi.site import FORMER, NOBODY, NOW, PUPIL, PUPIL2, STUDENT, TEACHER, Site

MATTE = "fc:gogroup:eksempel.kommune.no:u:NO987654321:3a-matte:2000-07-01:2100-06-30"
CLASS_3A = "fc:gogroup:eksempel.kommune.no:b:NO987654321:3a:2000-07-01:2100-06-30"
CLASS_2A = "fc:gogroup:eksempel.kommune.no:b:NO987654321:2a:2020-08-01:2021-06-30"
RF = "fc:fs:fs:prg:example.org:RF"
OLD_COURSE = "fc:fs:fs:emne:example.org:OTF1000:1"
ARBOK = "fc:gogroup:eksempel.kommune.no:u:NO987654321:prj%2F%C3%A5rbok:2000-07-01:2100-06-30"


def path(groupid: str) -> str:
    return quote(groupid, safe="")


def ids(groups: list[dict[str, object]]) -> set[object]:
    return {g["id"] for g in groups}


def test_show_all_adds_expired_groups_and_inactive_memberships(api: Api) -> None:
    with api.as_user(PUPIL) as client:
        now, everything = client.get("/groups/me/groups").json(), client.get("/groups/me/groups?showAll=true").json()
    assert CLASS_2A not in ids(now)  # the class of 2020/21 is over
    assert ids(everything) - ids(now) == {CLASS_2A}
    assert next(g for g in everything if g["id"] == CLASS_2A)["notAfter"] == "2021-06-30T22:00:00Z"

    with api.as_user(STUDENT) as client:
        now, everything = client.get("/groups/me/groups").json(), client.get("/groups/me/groups?showAll=true").json()
    assert OLD_COURSE not in ids(now)
    old = next(g for g in everything if g["id"] == OLD_COURSE)  # 2023 VÅR: January to July 2023
    assert old["membership"]["active"] is False
    assert (old["membership"]["notBefore"], old["membership"]["notAfter"]) == (
        "2022-12-31T23:00:00Z",
        "2023-07-31T22:00:00Z",
    )

    with api.as_user(FORMER) as client:  # a study right that ended in June 2024
        assert RF not in ids(client.get("/groups/me/groups").json())
        former = {g["id"]: g for g in client.get("/groups/me/groups", params={"showAll": "true"}).json()}
    assert former[RF]["membership"]["active"] is False
    assert former[RF]["membership"]["notAfter"] == "2024-06-30T22:00:00Z"


def test_members_of_a_go_group_with_and_without_member_ids(api: Api) -> None:
    with api.client(api.token()) as client:
        members = client.get(f"/groups/groups/{path(MATTE)}/members").json()
    assert members == [
        {"name": "Kari Lærer", "membership": {"basic": "admin", "displayName": "Lærer", "affiliation": "faculty"}},
        {"name": "Ola Elev", "membership": {"basic": "member", "displayName": "Elev", "affiliation": "student"}},
        {"name": "Per Elev", "membership": {"basic": "member", "displayName": "Elev", "affiliation": "student"}},
    ]
    with api.client(api.token("groups-edu", "groups-memberids")) as client:
        members = client.get(f"/groups/groups/{path(MATTE)}/members").json()
    assert [m["userid_sec"] for m in members] == [[f"feide:{TEACHER}"], [f"feide:{PUPIL}"], [f"feide:{PUPIL2}"]]


def test_members_of_an_fs_group_hide_former_students_unless_show_all(api: Api) -> None:
    with api.client(api.token()) as client:
        now = client.get(f"/groups/groups/{path(RF)}/members").json()
        everyone = client.get(f"/groups/groups/{path(RF)}/members", params={"showAll": "true"}).json()
        course = client.get(f"/groups/groups/{path('fc:fs:fs:emne:example.org:OTF5913:A')}/members").json()
    assert [m["name"] for m in now] == ["Frida Foreleser", "Siri Student"]
    assert [(m["name"], m["membership"]["active"]) for m in everyone] == [
        ("Frida Foreleser", True),
        ("Siri Student", True),
        ("Tor Tidligere", False),
    ]
    assert [(m["name"], m["membership"]["subjectRelations"]) for m in course] == [("Siri Student", "undervisning")]


def test_a_user_sees_only_groups_they_are_in(api: Api) -> None:
    with api.as_user(PUPIL2) as client:
        assert client.get(f"/groups/groups/{path(MATTE)}").json()["membership"]["basic"] == "member"
        assert client.get(f"/groups/groups/{path(MATTE)}/members").status_code == 200
        refused = client.get(f"/groups/groups/{path(RF)}")
        refused_members = client.get(f"/groups/groups/{path(RF)}/members")
        not_mine = client.get(f"/groups/me/groups/{path(RF)}")
    for answer in (refused, refused_members, not_mine):
        assert answer.status_code == 404
        assert answer.json()["error"] == "not_found"
    with api.client(api.token()) as client:  # a service (no user) sees the group, without a membership
        group = client.get(f"/groups/groups/{path(RF)}").json()
    assert group == {"id": RF, "type": "fc:fs:prg", "displayName": "Rettsfag", "parent": "fc:org:example.org"}


def test_unknown_group_is_404_json(api: Api) -> None:
    with api.client(api.token()) as client:
        for url in ("/groups/groups/fc%3Aorg%3Anowhere.no", f"/groups/groups/{path(RF + 'X')}/members"):
            answer = client.get(url)
            assert answer.status_code == 404
            assert answer.headers["content-type"].startswith("application/json")
            body = answer.json()
            assert body["error"] == "not_found" and "fc:" in body["message"]
    with api.as_user(NOBODY) as client:
        assert client.get("/groups/me/groups/fc%3Aorg%3Anowhere.no").status_code == 404
        assert client.get("/groups/me/groups").json()[0]["id"] == "fc:org:eksempel.kommune.no"


def test_a_404_quotes_a_huge_id_only_in_part_and_masks_a_national_id(api: Api) -> None:
    """The id a caller sent goes back capped: a huge id must not come back whole (issue 13, item 16).

    12 000 characters: as long as the HTTP server takes a request line (h11 refuses past 16 KiB itself).
    """
    huge = "fc:org:" + "x" * 12_000
    with api.client(api.token()) as client:
        answers = [client.get(f"/groups/groups/{path(huge)}"), client.get(f"/groups/groups/{path(huge)}/members")]
        nin = client.get(f"/groups/groups/{path('fc:org:01010112345')}")
    for answer in answers:
        assert answer.status_code == 404
        message = answer.json()["message"]
        assert len(message) < 300 and "12007 characters" in message
    assert nin.status_code == 404 and "01010112345" not in nin.text and "010101*****" in nin.text


def test_ids_in_paths_encoded_once_raw_or_with_fields_unencoded(api: Api) -> None:
    with api.as_user(PUPIL) as client:
        by_quoted = client.get(f"/groups/groups/{path(ARBOK)}")  # %2F and %C3%A5 in the id become %25…
        by_raw_colons = client.get(f"/groups/groups/{ARBOK.replace('%', '%25')}")
        by_plain_fields = client.get("/groups/groups/" + quote(ARBOK.replace("prj%2F%C3%A5rbok", "prj/årbok")))
        by_v1 = client.get(f"/groups/v1/groups/{path(ARBOK)}/members")
    assert by_quoted.status_code == by_raw_colons.status_code == by_plain_fields.status_code == 200
    assert by_quoted.json()["id"] == by_raw_colons.json()["id"] == by_plain_fields.json()["id"] == ARBOK
    assert by_v1.status_code == 200 and [m["name"] for m in by_v1.json()] == ["Ola Elev"]


def test_groups_lists_everything_for_a_service_and_own_groups_for_a_user(api: Api) -> None:
    with api.client(api.token()) as client:
        every = client.get("/groups/groups").json()
        found = client.get("/groups/groups", params={"query": "odde"}).json()
    assert {g["type"] for g in every} == {
        "fc:org", "fc:orgunit", "fc:gogroup", "fc:fs:prg", "fc:fs:str", "fc:fs:kull", "fc:fs:emne",
    }  # fmt: skip
    assert all("membership" not in g for g in every)
    assert {g["displayName"] for g in found} == {"Bruk av oddetall", "Oddetall, grunnkurs"}
    # The school without an organisation number has no Feide id: it and its group are left out.
    assert not any("Skole uten" in str(g["displayName"]) or g["displayName"] == "9Z" for g in every)
    with api.as_user(PUPIL2) as client:
        mine = client.get("/groups/groups").json()
    assert ids(mine) == {"fc:org:eksempel.kommune.no", "fc:org:eksempel.kommune.no:unit:NO987654321", MATTE, CLASS_3A}


def test_openapi_document_is_served(api: Api) -> None:
    with api.client() as client:
        doc = client.get("/openapi.json")
        docs = client.get("/docs")
    assert doc.status_code == 200 and docs.status_code == 200
    spec = doc.json()
    assert {"/groups/me/groups", "/groups/me/groups/{groupid}", "/groups/groups/{groupid}",
            "/groups/groups/{groupid}/members", "/groups/grouptypes"} <= set(spec["paths"])  # fmt: skip
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    params = {p["name"] for p in spec["paths"]["/groups/me/groups"]["get"]["parameters"]}
    assert "showAll" in params


def test_a_new_run_is_served_without_a_restart(fresh_site: Site) -> None:
    fresh_site.run()
    app = create_app(fresh_site.db, fresh_site.loaded.config.groups_api, clock=lambda: NOW)
    with serve_in_thread(app) as url:
        api = Api(fresh_site, url)
        with api.as_user(PUPIL2) as client:
            assert MATTE in ids(client.get("/groups/me/groups").json())
            # Night two: Per leaves maths and joins the contact-teacher group; the teacher is renamed.
            data = fresh_site.data
            data["membership"] = [m for m in data["membership"] if m["id"] != "elev2|3a-matte"]
            data["membership"].append({"id": "elev2|3a-kl", "person": "elev2", "group": "3a-kl", "role": "Elev"})
            next(p for p in data["person"] if p["id"] == "laerer1")["name"] = "Kari Lærer-Hansen"
            fresh_site.run(day=1)
            groups = {g["displayName"] for g in client.get("/groups/me/groups").json()}
            assert "Matte 3A" not in groups and "3A kontaktlærer" in groups
            assert client.get(f"/groups/groups/{path(CLASS_3A)}/members").status_code == 200
        with api.client(api.token()) as client:
            names = [m["name"] for m in client.get(f"/groups/groups/{path(MATTE)}/members").json()]
        assert names == ["Kari Lærer-Hansen", "Ola Elev"]


def test_time_decides_what_is_active(fresh_site: Site) -> None:
    fresh_site.run()
    later = NOW + dt.timedelta(days=365)  # 2026: the seed's study right (to 2025-07-30) has ended
    with serve_in_thread(create_app(fresh_site.db, fresh_site.loaded.config.groups_api, clock=lambda: later)) as url:
        api = Api(fresh_site, url)
        with api.as_user(STUDENT) as client:
            active = ids(client.get("/groups/me/groups").json())
            shown = {g["id"]: g for g in client.get("/groups/me/groups?showAll=true").json()}
    assert active == {"fc:org:example.org"}
    assert shown["fc:fs:fs:str:example.org:KS"]["membership"]["active"] is False
