"""The wiseflow connector against the WISEflow sandbox over HTTP: the contract, and idempotent export."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edusync.connectors.wiseflow import WiseflowConnector, WiseflowSettings
from edusync.connectors.wiseflow.references import ALLOWED, decode, encode
from edusync.model.records import Change, Op
from edusync.sandbox.serving import serve_in_thread
from edusync.sandbox.wiseflow import create_app
from edusync.testing.connector_contract import ConnectorContract

TOKEN = "t"


@pytest.fixture
def wf_url() -> Iterator[str]:
    with serve_in_thread(create_app(api_token=TOKEN)) as url:
        yield url


def make(url: str) -> WiseflowConnector:
    settings = WiseflowSettings(base_url=f"{url}/v1", api_token=TOKEN, manager="leder@sandvoll.example", backoff=0.01)  # type: ignore[arg-type]
    return WiseflowConnector("wiseflow", settings, Path(tempfile.mkdtemp(prefix="edusync-wf-")))  # its group map


class TestContract(ConnectorContract):
    @pytest.fixture
    def connector(self, wf_url: str) -> WiseflowConnector:
        return make(wf_url)


EXAM = {
    "examId": "9001|INF1000|1|SKR|2026 VÅR",
    "title": "Programmering",
    "subTitle": "INF1000",
    "term": "2026 VÅR",
    "startDateParticipants": "2026-05-11T09:00:00+02:00",
    "endDateParticipants": "2026-05-11T13:00:00+02:00",
    "endDateMarking": "2026-06-01",
    "rooms": [{"id": "R1", "building": "Hovedbygget", "room": "Aud 1", "equipment": "PC"}],
}
PERSON = {
    "exam": "exa-1",
    "organisationId": "kari@sandvoll.example",
    "firstName": "Kari",
    "lastName": "Nordmann",
    "emails": ["kari@sandvoll.example"],
    "phones": ["+4799999999"],
    "externalUserId": "150001",
    "language": "nb",
    "uniqueExamId": {"name": "kandidatnr", "value": "10001"},
    "assessmentGroupIds": [],
    "roomId": "R1",
    "endDateParticipant": "2026-05-11T14:00:00+02:00",
}


def test_export_twice_makes_one_flow_one_participant_and_wrong_order_fails_alone(wf_url: str) -> None:
    connector = make(wf_url)
    orphan = Change(9, "participant", "par-9", Op.ADD, {**PERSON, "exam": "exa-unknown"})
    for run in (1, 2):
        connector.begin_export(run, run)
        results = connector.export(
            [Change(1, "exam", "exa-1", Op.ADD, EXAM), orphan, Change(2, "participant", "par-1", Op.ADD, PERSON)]
        )
        assert [r.ok for r in results] == [True, False, True]
        assert "no flow" in (results[1].error or "")
    summary = httpx.get(f"{wf_url}/_sandbox/summary", headers={"x-api-key": TOKEN}).json()
    assert [(f["title"], f["participants"]) for f in summary["flows"]] == [("Programmering", 1)]
    assert summary["rooms"] == 1


def test_wiseflow_down_fails_the_batch_retriably_and_fast(wf_url: str) -> None:
    connector = make(wf_url)
    headers = {"x-api-key": TOKEN}
    httpx.post(f"{wf_url}/_sandbox/faults/down", json={"requests": 100, "mode": "disconnect"}, headers=headers)
    connector.begin_export(1, 1)
    results = connector.export(
        [Change(1, "exam", "exa-1", Op.ADD, EXAM), Change(2, "participant", "p", Op.ADD, PERSON)]
    )
    assert [(r.ok, r.retriable) for r in results] == [(False, True), (False, True)]
    assert "not sent" in (results[1].error or "")


def test_an_untagged_flow_left_by_an_interrupted_create_is_adopted(wf_url: str) -> None:
    headers = {"x-api-key": TOKEN}
    with httpx.Client(base_url=f"{wf_url}/v1", headers=headers) as api:
        manager = api.post(
            "/license/user",
            json={"firstName": "E", "lastName": "A", "externalIds": [], "roles": [3], "emails": ["e@a.example"]},
        ).json()["userId"]
        body = {"title": EXAM["title"], "subTitle": EXAM["subTitle"], "type": 1, "managers": [manager]}
        orphan = api.post("/license/create/flow", json=body).json()["flowId"]
        decoy = api.post("/license/create/flow", json={**body, "subTitle": "INF1000-B"}).json()["flowId"]
        connector = make(wf_url)
        connector.begin_export(1, 1)
        assert [r.ok for r in connector.export([Change(1, "exam", "exa-1", Op.ADD, EXAM)])] == [True]
        sources = api.get(f"/flows/{orphan}/external-sources").json()["data"]
        assert {s["reference"] for s in sources} == {"exa-1", encode(EXAM["examId"])}
        assert all(ALLOWED.fullmatch(s["reference"]) for s in sources), "WISEflow's reference pattern"
        assert api.get(f"/flows/{decoy}/external-sources").json()["data"] == []
        summary = httpx.get(f"{wf_url}/_sandbox/summary", headers=headers).json()
        assert len(summary["flows"]) == 2, "no third flow"


def test_garbage_from_wiseflow_fails_the_rest_of_the_batch_retriably(wf_url: str) -> None:
    connector = make(wf_url)
    headers = {"x-api-key": TOKEN}
    httpx.post(f"{wf_url}/_sandbox/faults/down", json={"requests": 1, "mode": "malformed"}, headers=headers)
    connector.begin_export(1, 1)
    results = connector.export(
        [Change(1, "exam", "exa-1", Op.ADD, EXAM), Change(2, "participant", "p", Op.ADD, PERSON)]
    )
    assert [(r.ok, r.retriable) for r in results] == [(False, True), (False, True)]
    assert "WISEflow sent malformed JSON for flow search for exa-1" in (results[0].error or "")
    assert (results[1].error or "").startswith("not sent: WISEflow sent malformed JSON")


def test_manual_allocation_is_a_warning_once_per_flow(wf_url: str) -> None:
    connector = make(wf_url)
    headers = {"x-api-key": TOKEN}
    connector.begin_export(1, 1)
    group = {"exam": "exa-1", "externalId": "77", "name": "Kommisjon 77", "assessors": []}
    first = {**PERSON, "assessmentGroupIds": ["77"], "roomId": None}
    second = {
        **first,
        "organisationId": "ola@sandvoll.example",
        "externalUserId": "150002",
        "uniqueExamId": {"name": "kandidatnr", "value": "10002"},
    }
    changes = [Change(1, "exam", "exa-1", Op.ADD, EXAM), Change(2, "assessment_group", "g", Op.ADD, group)]
    assert all(r.ok for r in connector.export(changes))
    flow_id = connector.lookup.flow_id("exa-1")
    httpx.put(f"{wf_url}/_sandbox/flows/{flow_id}/manual-allocation", json=True, headers=headers)
    results = connector.export(
        [Change(3, "participant", "p1", Op.ADD, first), Change(4, "participant", "p2", Op.ADD, second)]
    )
    assert all(r.ok for r in results), "the participants are added; only their allocation is left alone"
    assert connector.warnings == [
        f"wiseflow: flow {flow_id} (exam {EXAM['examId']}) uses manual assessor allocation in WISEflow; "
        "edusync left its allocations alone"
    ]


@pytest.mark.parametrize("key", ["9001|INF1370|1|MUNT|2025 HØST", "exa-1", "a_b", "Æ ø/å\\é", "x" * 80])
def test_an_exam_key_becomes_a_reference_wiseflow_accepts_and_reads_back(key: str) -> None:
    reference = encode(key)
    assert ALLOWED.fullmatch(reference) and len(reference) <= 255
    assert decode(reference) == key


def test_a_key_already_in_the_pattern_is_its_own_reference() -> None:
    assert encode("exa-1") == "exa-1" and encode("9001|INF1370") == "9001_7CINF1370"
