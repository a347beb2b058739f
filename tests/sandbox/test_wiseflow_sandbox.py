"""The WISEflow sandbox over real HTTP: auth, flows, users, participants, assessors, allocation,
manual allocation, assessor groups, rooms, grades and faults."""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import httpx
import pytest

from edusync.sandbox.serving import serve_in_thread
from edusync.sandbox.wiseflow import cli as wf_cli
from edusync.sandbox.wiseflow import create_app
from edusync.sandbox.wiseflow.app import MaskNationalIds
from edusync.testing import exchanges

TOKEN = "token-for-tests"
FEIDE, NATIONAL_ID = 1, 2
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    # These tests send what WISEflow refuses on purpose (bad types, missing fields, a reference off
    # the pattern), so their exchanges are not in the conformance ledger; the connector's tests and
    # tests/conformance/test_wiseflow_checker.py hold the sandbox's answers to the specification.
    with mock.patch.dict(os.environ), serve_in_thread(_unrecorded()) as url:
        yield url


def _unrecorded() -> Any:
    os.environ.pop(exchanges.ENV, None)
    return create_app(api_token=TOKEN)


@pytest.fixture
def api(root: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{root}/v1", headers={"x-api-key": TOKEN}, timeout=10) as c:
        yield c


@pytest.fixture
def admin(root: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{root}/_sandbox", headers={"x-api-key": TOKEN}, timeout=10) as c:
        yield c
        c.delete("/faults")


def user(api: httpx.Client, role: int = 1, **extra: Any) -> tuple[int, str]:
    """A new licence user; returns (userId, Feide name). Each call makes a different person."""
    feide = f"user{next(_serial)}@sandvoll.example"
    body = {
        "firstName": "Kari",
        "lastName": "Nordmann",
        "roles": [role],
        "emails": [],
        "externalIds": [{"userDataTypeId": FEIDE, "value": feide}],
        **extra,
    }
    response = api.post("/license/user", json=body)
    assert response.status_code == 201, response.text
    return response.json()["userId"], feide


def flow(api: httpx.Client, title: str = "INF1000 Programmering") -> int:
    manager, _ = user(api, role=3)
    response = api.post(
        "/license/create/flow", json={"title": title, "subTitle": "INF1000", "type": 1, "managers": [manager]}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["flowId"])


def participants(api: httpx.Client, flow_id: int, count: int) -> list[int]:
    people = [user(api)[1] for _ in range(count)]
    items = [{"userData": {"id": FEIDE, "value": f}, "uniqueExamId": str(10_000 + i)} for i, f in enumerate(people)]
    data = api.post(f"/flows/{flow_id}/participants", json=items).json()["data"]
    return [d["participant"]["id"] for d in data]


def assessor(api: httpx.Client, flow_id: int, type_id: int = 11) -> int:
    _, feide = user(api, role=2)
    body = {"userData": {"userDataTypeId": FEIDE, "value": feide}, "assessorTypeId": type_id}
    response = api.post(f"/flows/{flow_id}/assessors", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["assessorId"])


def reason(response: httpx.Response) -> str:
    return str(response.json()["error"]["errors"][0]["reason"])


# --- auth, flows, users -------------------------------------------------------------------------


def test_api_key_is_required(root: str) -> None:
    for url in (f"{root}/v1/license/flow-types", f"{root}/_sandbox/summary"):
        missing = httpx.get(url)
        assert missing.status_code == 401 and missing.json() == "Unauthorized"
        assert httpx.get(url, headers={"x-api-key": "wrong"}).status_code == 401
        assert httpx.get(url, headers={"x-api-key": TOKEN}).status_code == 200


def test_create_read_update_and_search_a_flow(api: httpx.Client) -> None:
    types = api.get("/license/flow-types").json()["data"]
    assert {"id", "name", "description"} <= set(types[0])
    flow_id = flow(api, "STK1000 Statistikk")
    basic = api.get(f"/flow/{flow_id}").json()
    assert basic["id"] == flow_id and basic["name"] == "STK1000 Statistikk" and basic["state"] == 0
    missing = api.get("/flow/999999")
    assert missing.status_code == 404 and missing.content == b""  # legacy: no body
    metadata = {
        "title": "STK1000",
        "subtitle": "Eksamen",
        "code": "STK1000",
        "term": "2025 HØST",
        "examinationType": "ORDINARY",
        "purpose": "EXAMINATION",
    }
    stored = api.put(f"/flows/{flow_id}/metadata", json=metadata).json()["data"]
    assert stored == metadata
    extended = {**metadata, "gradeType": "A-F", "testType": "Skriftlig eksamen"}  # the SIS import's extras
    refused = api.put(f"/flows/{flow_id}/metadata", json=extended)
    assert refused.status_code == 400 and "gradeType" in refused.text, "no such fields in the specification"
    dates = api.patch(f"/flows/{flow_id}/dates", json={"participation": {"start": 1_700_000_000, "end": 1_700_014_400}})
    assert dates.json()["data"]["participation"]["end"] == 1_700_014_400
    assert api.patch(f"/flows/{flow_id}/dates", json={"complaint": {"end": 1_702_000_000}}).status_code == 400
    assert api.patch(f"/flows/{flow_id}/dates", json={"marking": {"start": 9, "end": 1}}).status_code == 400
    assert api.patch(f"/flows/{flow_id}/dates", json={}).status_code == 400
    off_pattern = f"9001|STK1000|1|SKR|2025 HØST#{flow_id}"
    refused = api.post(f"/flows/{flow_id}/external-sources", json={"reference": off_pattern})
    assert refused.status_code == 400 and "^[a-zA-Z0-9-_]+$" in refused.text
    reference = f"9001_7CSTK1000-{flow_id}"
    assert api.post(f"/flows/{flow_id}/external-sources", json={"reference": reference}).status_code == 200
    assert api.post(f"/flows/{flow_id}/external-sources", json={"reference": reference}).status_code == 409
    found = api.post("/flows/search", json={"metadata": {"externalSourceReference": reference}}).json()
    assert [f["flowId"] for f in found["data"]] == [flow_id] and found["pagination"]["total"] == 1
    assert found["data"][0]["state"] == "NOT_ACTIVATED"
    by_title = api.post("/flows/search", json={"metadata": {"title": "stk10"}}).json()["data"]
    assert flow_id in {f["flowId"] for f in by_title}
    assert api.post("/flows/search", params={"limit": 101}, json={}).status_code == 400


def test_create_flow_refuses_unknown_type_and_manager(api: httpx.Client) -> None:
    manager, _ = user(api, role=3)
    bad_type = api.post("/license/create/flow", json={"title": "X", "type": 999, "managers": [manager]})
    assert bad_type.status_code == 400 and reason(bad_type) == "INVALID_FLOW_TYPE"
    bad_manager = api.post("/license/create/flow", json={"title": "X", "type": 1, "managers": [1]})
    assert bad_manager.status_code == 400
    assert api.post("/license/create/flow", json={"title": ""}).status_code == 400


def test_user_create_or_update_and_lookups_hide_the_national_id(api: httpx.Client) -> None:
    national_id = "01010112345"
    feide = "nid-user@sandvoll.example"
    user_id, _ = user(
        api,
        externalIds=[
            {"userDataTypeId": FEIDE, "value": feide},
            {"userDataTypeId": NATIONAL_ID, "value": national_id},
        ],
    )
    again = api.post(
        "/license/user",
        json={
            "firstName": "Kari",
            "lastName": "Hansen",
            "roles": [1],
            "emails": [],
            "externalIds": [{"userDataTypeId": FEIDE, "value": feide}],
        },
    )
    assert again.status_code == 200 and again.json()["userId"] == user_id
    looked_up = api.get(f"/user/eduPrincipalName/{feide}")
    assert looked_up.json()["id"] == user_id and looked_up.json()["lastName"] == "Hansen"
    assert national_id not in looked_up.text
    assert api.get(f"/user/userDataType/{NATIONAL_ID}/{national_id}").json()["id"] == user_id
    assert api.get("/user/eduPrincipalName/nobody@sandvoll.example").status_code == 404
    bad = api.post(
        "/license/user",
        json={
            "firstName": "A",
            "lastName": "B",
            "roles": [1],
            "emails": [],
            "externalIds": [{"userDataTypeId": NATIONAL_ID, "value": "12"}],
        },
    )
    assert bad.status_code == 400 and "12" not in bad.json()["error"]["message"]


# --- participants -------------------------------------------------------------------------------


def test_add_participants_modern_and_legacy(api: httpx.Client) -> None:
    flow_id = flow(api)
    _, feide = user(api)
    items = [
        {"userData": {"id": FEIDE, "value": feide}, "uniqueExamId": "10001"},
        {"email": "nobody@nowhere.example"},
        {"userData": {"id": FEIDE, "value": feide}},
    ]
    data = api.post(f"/flows/{flow_id}/participants", json=items).json()["data"]
    assert data[0]["participant"]["uniqueExamId"] == "10001"
    assert [d.get("error") for d in data[1:]] == ["USER_NOT_FOUND", "ALREADY_ON_FLOW"]
    _, other = user(api)
    legacy = api.post(
        f"/flow/{flow_id}/participants/add",
        json=[
            {"userData": {"userDataTypeId": FEIDE, "value": other}, "uniqueExamId": "10002"},
            {"userData": {"userDataTypeId": FEIDE, "value": feide}},
            {"uniqueExamId": "1"},
            {"userData": {"userDataTypeId": FEIDE, "value": "ghost@sandvoll.example"}},
        ],
    ).json()
    assert len(legacy["ids"]) == 1 and [f["code"] for f in legacy["failed"]] == ["AP002", "AP006", "AP001"]
    listed = api.get(f"/flows/{flow_id}/participants", params={"limit": 1}).json()
    assert listed["pagination"] == {"limit": 1, "offset": 0, "total": 2} and len(listed["data"]) == 1
    assert listed["data"][0]["number"] == 1 and listed["data"][0]["user"]["externalIds"]
    assert api.post("/flow/999999/participants/add", json=[]).content == b""


def test_add_assessors_legacy(api: httpx.Client) -> None:
    flow_id = flow(api)
    _, feide = user(api, role=2)
    _, other = user(api, role=2)
    answer = api.post(
        f"/flow/{flow_id}/assessors/add",
        json=[
            {"userData": {"userDataTypeId": FEIDE, "value": feide}, "type": 1},
            {"userData": {"userDataTypeId": FEIDE, "value": feide}},
            {"userData": {"userDataTypeId": FEIDE, "value": other}, "type": 7},
            {"email": "nobody@nowhere.example"},
            {},
        ],
    ).json()
    assert [f["code"] for f in answer["failed"]] == ["AA002", "AA004", "AA001", "AA006"]
    assert set(answer) == {"failed"}  # the legacy add answers its failures only
    listed = api.get(f"/flow/{flow_id}/assessors").json()
    assert [a["type"] for a in listed] == [1]
    assert api.post("/flow/999999/assessors/add", json=[]).content == b""


def test_extra_time_through_individual_dates(api: httpx.Client) -> None:
    flow_id = flow(api)
    api.patch(f"/flows/{flow_id}/dates", json={"participation": {"start": 1000, "end": 2000}})
    first, second = participants(api, flow_id, 2)
    patched = api.patch(f"/flows/{flow_id}/participants/{first}/dates", json={"participation": {"end": 2600}})
    assert patched.json()["data"]["participation"] == {"start": 1000, "end": 2600}
    bulk = api.patch(
        f"/flows/{flow_id}/participants/dates",
        json={"participants": [{"id": second, "participation": {"end": 2300}}, {"id": 1}]},
    ).json()
    assert bulk["data"]["participants"][0]["participation"]["end"] == 2300
    assert bulk["data"]["errors"] == [{"id": 1, "error": "PARTICIPANT_NOT_FOUND"}]
    assert api.get(f"/flows/{flow_id}/dates").json()["data"]["participation"]["latestIndividualEnd"] == 2600


def test_participants_cannot_be_removed_once_activated(api: httpx.Client) -> None:
    flow_id = flow(api)
    first, second = participants(api, flow_id, 2)
    assert api.delete(f"/flows/{flow_id}/participants/{first}").status_code == 200
    assert api.patch(f"/flows/{flow_id}/activate").status_code == 200
    assert api.patch(f"/flows/{flow_id}/activate").status_code == 403
    assert api.delete(f"/flows/{flow_id}/participants/{second}").status_code == 403


# --- assessors, allocation, manual allocation, groups -----------------------------------------------


def test_assessors_and_single_allocations(api: httpx.Client) -> None:
    flow_id = flow(api)
    pids = participants(api, flow_id, 3)
    internal, external = assessor(api, flow_id, 11), assessor(api, flow_id, 12)
    listed = api.get(f"/flows/{flow_id}/assessors").json()
    assert {a["assessorId"] for a in listed["data"]} == {internal, external}
    assert listed["pagination"]["limit"] == 50
    assert (
        api.post(f"/flows/{flow_id}/assessors/{internal}/allocations", json={"participantIds": pids[:2]}).status_code
        == 204
    )
    again = api.post(f"/flows/{flow_id}/assessors/{internal}/allocations", json={"participantIds": pids[2:]})
    assert again.status_code == 403 and reason(again) == "HAS_ALLOCATIONS"
    dupes = api.post(f"/flows/{flow_id}/assessors/{external}/allocations", json={"participantIds": [pids[0], pids[0]]})
    assert dupes.status_code == 400
    assert api.post(f"/flows/{flow_id}/assessors/{external}/allocations/participants/{pids[2]}").status_code == 204
    participant = api.get(f"/flows/{flow_id}/participants/{pids[0]}").json()["data"]
    assert participant["assessorIds"] == [internal]
    legacy = {a["id"]: a for a in api.get(f"/flow/{flow_id}/assessors").json()}
    assert legacy[internal]["participantIds"] == pids[:2] and (
        legacy[internal]["type"],
        legacy[external]["type"],
    ) == (0, 1)
    assert api.delete(f"/flows/{flow_id}/assessors/{external}/allocations/participants/{pids[2]}").status_code == 204
    assert api.get(f"/flows/{flow_id}/assessors/{external}/allocations").json()["data"]["participantIds"] == []


def test_manual_allocation_blocks_allocation_writes_only(api: httpx.Client, admin: httpx.Client) -> None:
    flow_id = flow(api)
    pids = participants(api, flow_id, 2)
    assessor_id = assessor(api, flow_id)
    assert admin.put(f"/flows/{flow_id}/manual-allocation", json=True).json()["manualAllocation"] is True
    blocked = api.post(f"/flows/{flow_id}/assessors/{assessor_id}/allocations", json={"participantIds": pids})
    assert blocked.status_code == 403 and reason(blocked) == "MANUAL_ALLOCATION"
    assert api.post(f"/flows/{flow_id}/assessors/{assessor_id}/allocations/participants/{pids[0]}").status_code == 403
    assert api.get(f"/flows/{flow_id}/assessors/{assessor_id}/allocations").status_code == 200
    assert admin.get(f"/flows/{flow_id}/manual-allocation").json()["manualAllocation"] is True
    admin.put(f"/flows/{flow_id}/manual-allocation", json=False)
    assert (
        api.post(f"/flows/{flow_id}/assessors/{assessor_id}/allocations", json={"participantIds": pids}).status_code
        == 204
    )


def test_assessor_groups_need_grouped_allocation(api: httpx.Client, admin: httpx.Client) -> None:
    flow_id = flow(api)
    pids = participants(api, flow_id, 3)
    first, second = assessor(api, flow_id), assessor(api, flow_id, 12)
    group_body = {"title": "Kommisjon 1", "assessorIds": [first, second]}
    with_external_id = api.post(f"/flows/{flow_id}/assessor-groups", json={**group_body, "externalId": "4001"})
    assert with_external_id.status_code == 400, "a group has no external id in the specification"
    refused = api.post(f"/flows/{flow_id}/assessor-groups", json=group_body)
    assert refused.status_code == 403 and reason(refused) == "ALLOCATION_TYPE_NOT_GROUPED"
    api.put(f"/flows/{flow_id}/marking/assessor-allocation-type", json={"allocationType": "GROUPED"})
    group = api.post(f"/flows/{flow_id}/assessor-groups", json=group_body).json()["data"]
    path = f"/flows/{flow_id}/assessor-groups/{group['id']}/allocations/participants"
    assert api.put(path, json={"participantIds": pids[:2]}).status_code == 200
    assert api.get(f"/flows/{flow_id}/participants/{pids[0]}").json()["data"]["assessorGroupIds"] == [group["id"]]
    assert api.get(f"/flow/{flow_id}/assessorGroups").json() == [
        {"assessorGroupId": group["id"], "name": "Kommisjon 1"}
    ]
    memberships = api.get(f"/flows/{flow_id}/assessors/groups").json()["data"]
    assert all(m["assessorGroupIds"] == [group["id"]] for m in memberships)
    admin.put(f"/flows/{flow_id}/manual-allocation", json=True)
    assert reason(api.put(path, json={"participantIds": pids})) == "MANUAL_ALLOCATION"
    single = api.post(f"/flows/{flow_id}/assessors/{first}/allocations", json={"participantIds": pids[:1]})
    assert single.status_code == 403


# --- rooms and grades -----------------------------------------------------------------------------


def test_rooms_bookings_and_placing_participants(api: httpx.Client) -> None:
    flow_id = flow(api)
    pids = participants(api, flow_id, 3)
    room = api.post(
        "/license/rooms",
        json={
            "name": "Sal 101",
            "capacity": 60,
            "canBeBooked": True,
            "building": "Realfagbygget",
            "identifier": "RFB-101",
        },
    )
    assert room.status_code == 201 and room.json()["identifier"] == "RFB-101"  # bare room, no envelope
    other = api.post("/license/rooms", json={"name": "Sal 102", "capacity": 30, "canBeBooked": True}).json()
    bookings = [
        api.post(f"/flows/{flow_id}/room-bookings", json={"roomId": r["id"], "from": 1000, "to": 2000}).json()["data"]
        for r in (room.json(), other)
    ]
    first, second = (b["roomBookingId"] for b in bookings)
    assert (
        api.put(f"/flows/{flow_id}/room-bookings/{first}/participants", json={"participantIds": pids}).status_code
        == 201
    )
    api.put(f"/flows/{flow_id}/room-bookings/{second}/participants", json={"participantIds": pids[:1]})
    placed = api.get(f"/flows/{flow_id}/room-bookings/{first}/participants").json()["data"]
    assert placed == pids[1:]  # a participant sits in one room only
    assert api.get(f"/flows/{flow_id}/room-bookings").json()["pagination"]["total"] == 2
    assert api.delete(f"/license/rooms/{other['id']}").status_code == 403  # (undeclared in 1.34.0: 204, 404)


def test_grades_entered_by_assessors_are_readable(api: httpx.Client, admin: httpx.Client) -> None:
    flow_id = flow(api)
    pids = participants(api, flow_id, 3)
    assessor_id = assessor(api, flow_id)
    api.post(f"/flows/{flow_id}/assessors/{assessor_id}/allocations", json={"participantIds": pids})
    entered = admin.post(
        f"/flows/{flow_id}/grades",
        json=[{"participantId": pids[0], "grade": "B"}, {"participantId": pids[1], "adminGrade": "I"}],
    )
    assert entered.status_code == 200
    assessments = {a["participantId"]: a for a in api.get(f"/flow/{flow_id}/assessments").json()}
    assert assessments[pids[0]]["grade"] == "B" and "assessorIds" not in assessments[pids[0]]
    assert assessments[pids[1]]["adminGrade"] == "I" and "grade" not in assessments[pids[1]]
    assert assessments[pids[2]]["id"] is None and "grade" not in assessments[pids[2]]
    # who marked: the submission's assessors (submission-info), with the grade
    submission = api.get(f"/flow/{flow_id}/submission/{pids[0]}").json()
    assert [a["assessorId"] for a in submission["assessors"]] == [assessor_id]
    assert submission["participants"][0]["grade"] == "B"
    assert {s["id"] for s in api.get(f"/flow/{flow_id}/submissions").json()} == set(pids)
    one = api.get(f"/flow/{flow_id}/assessments/{pids[0]}").json()
    assert one["success"] and one["data"]["grade"] == "B"
    bad = admin.post(
        f"/flows/{flow_id}/grades",
        json=[
            {"participantId": pids[2], "grade": "A"},
            {"participantId": pids[2], "grade": "A", "assessorIds": [1]},
        ],
    )
    assert bad.status_code == 400
    assert {g["participantId"] for g in admin.get(f"/flows/{flow_id}/grades").json()} == set(pids[:2])
    dealloc = api.delete(f"/flows/{flow_id}/assessors/{assessor_id}/allocations")
    assert dealloc.status_code == 403 and reason(dealloc) == "HAS_FINAL_GRADE"


# --- faults and CLI -------------------------------------------------------------------------------


def test_down_for_n_requests_then_back(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("/faults/down", json={"requests": 1})
    assert api.get("/license/flow-types").status_code == 503
    assert api.get("/license/flow-types").status_code == 200
    admin.post("/faults/down", json={"requests": 1, "mode": "disconnect"})
    with pytest.raises(httpx.TransportError):
        api.get("/license/flow-types")
    assert api.get("/license/flow-types").status_code == 200


def test_faults_strike_after_n_on_one_path_lose_answers_and_garble(api: httpx.Client, admin: httpx.Client) -> None:
    admin.delete("/requests")
    admin.post("/faults/down", json={"requests": 1, "after": 1, "path": "/license/roles", "method": "GET"})
    assert api.get("/license/flow-types").status_code == 200, "another path neither fails nor counts"
    assert api.get("/license/roles").status_code == 200, "the first one passes"
    assert api.get("/license/roles").status_code == 503
    assert api.get("/license/roles").status_code == 200
    before = admin.get("/summary").json()["users"]
    admin.post("/faults/down", json={"requests": 1, "mode": "lost_answer", "path": "/license/user"})
    with pytest.raises(httpx.TransportError):
        user(api)
    assert admin.get("/summary").json()["users"] == before + 1, "the work was done; only the answer was lost"
    admin.post("/faults/down", json={"requests": 1, "mode": "malformed"})
    garbled = api.get("/license/roles")
    assert garbled.status_code == 200
    with pytest.raises(ValueError):
        garbled.json()
    handled = admin.get("/requests").json()
    assert handled["GET /v1/license/roles"] == 2, "what failed before the app is not counted as handled"
    assert handled["POST /v1/license/user"] == 1
    assert admin.get("/faults").json()["failed"] >= 3


def test_access_log_masks_national_ids(root: str) -> None:
    access = logging.getLogger("uvicorn.access")
    record = access.makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/v1/user/userDataType/2/01010112345", "1.1", 200),
        None,
    )
    assert any(isinstance(f, MaskNationalIds) for f in access.filters)  # installed by create_app
    assert MaskNationalIds().filter(record)
    assert "01010112345" not in record.getMessage() and "010101*****" in record.getMessage()


def test_cli_prints_url_and_token(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(wf_cli, "serve_forever", lambda _app, host, port: served.append((host, port)))
    wf_cli.wiseflow()
    host, port = served[0]
    out = capsys.readouterr().out
    assert f"http://{host}:{port}/v1" in out and wf_cli.DEMO_TOKEN in out and "x-api-key" in out
