"""The WISEflow checker catches drift on either side: real exchanges, changed the way a bug would change them.

Each test records what the connector and the sandbox really exchanged over HTTP, checks that it
conforms, then changes the request or the answer as an earlier edusync (or a careless sandbox)
did, and asserts that the checker names exactly that.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edusync.model.records import Change, Op
from edusync.sandbox.wiseflow import create_app
from edusync.sandbox.wiseflow.spec import WiseflowChecker
from edusync.testing.exchanges import Exchange
from tests.conformance.conftest import altered, body, recording
from tests.connectors.wiseflow.test_wiseflow_connector import EXAM, PERSON, TOKEN, make

CHECKER = WiseflowChecker()


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, Exchange]]:
    """An exam's flow, its group, assessor and participant, and its grades read back: by operation."""
    with recording(create_app(api_token=TOKEN), CHECKER) as (url, kept):
        connector = make(url)
        group = {"exam": "exa-1", "externalId": "77", "name": "Kommisjon 77", "assessors": ["150009"]}
        assessor = {**PERSON, "externalUserId": "150009", "organisationId": "s@sandvoll.example"}
        assessor |= {"assessorType": "INTERN", "assessmentGroupIds": ["77"], "phones": []}
        changes = [
            Change(1, "exam", "exa-1", Op.ADD, EXAM),
            Change(2, "assessor", "a", Op.ADD, assessor),
            Change(3, "assessment_group", "g", Op.ADD, group),
            Change(4, "participant", "p", Op.ADD, {**PERSON, "assessmentGroupIds": ["77"], "phones": []}),
        ]
        connector.begin_export(1, 1)
        assert all(r.ok for r in connector.export(changes))
        connector.begin_export(1, 2)
        assert all(r.ok for r in connector.export(changes[2:3]))  # a re-sync updates the group
        connector.marks(str(EXAM["examId"]))
        connector.close()
    yield {CHECKER.kind(e): e for e in kept.served()}


def test_the_real_exchanges_conform(recorded: dict[str, Exchange]) -> None:
    assert {
        "POST /flows/{flowId}/external-sources",
        "PUT /flows/{flowId}/metadata",
        "POST /flows/{flowId}/assessor-groups",
        "PUT /flows/{flowId}/assessor-groups/{assessorGroupId}",
        "GET /flow/{flowId}/submission/{submissionId}",
        "GET /flows/{flowId}/room-bookings/{roomBookingId}/participants",
        "POST /license/user",
    } <= set(recorded)
    assert {kind: CHECKER.problems(e) for kind, e in recorded.items()} == {kind: [] for kind in recorded}


def test_an_fs_key_as_a_reference_is_caught(recorded: dict[str, Exchange]) -> None:
    tag = recorded["POST /flows/{flowId}/external-sources"]
    drifted = altered(tag, request={"reference": "9001|INF1370|1|MUNT|2025 HØST"})
    (problem,) = CHECKER.request_problems(drifted)
    assert "$.reference" in problem and "^[a-zA-Z0-9-_]+$" in problem


def test_fields_the_spec_does_not_declare_are_caught(recorded: dict[str, Exchange]) -> None:
    meta = recorded["PUT /flows/{flowId}/metadata"]
    (problem,) = CHECKER.request_problems(altered(meta, request={**body(meta, "request"), "gradeType": "A-F"}))
    assert "'gradeType' was unexpected" in problem
    group = recorded["POST /flows/{flowId}/assessor-groups"]
    (problem,) = CHECKER.request_problems(altered(group, request={**body(group, "request"), "externalId": "77"}))
    assert "'externalId' was unexpected" in problem


def test_a_null_where_a_string_is_typed_is_caught(recorded: dict[str, Exchange]) -> None:
    user = recorded["POST /license/user"]
    (problem,) = CHECKER.request_problems(altered(user, request={**body(user, "request"), "phone": None}))
    assert "$.phone: None is not of type 'string'" in problem


def test_a_status_the_operation_does_not_declare_is_caught(recorded: dict[str, Exchange]) -> None:
    (problem,) = CHECKER.answer_problems(altered(recorded["POST /flows/{flowId}/external-sources"], status=201))
    assert "HTTP 201 is not an answer POST /flows/{flowId}/external-sources declares" in problem


def test_an_answer_off_its_schema_is_caught(recorded: dict[str, Exchange]) -> None:
    seated = recorded["GET /flows/{flowId}/room-bookings/{roomBookingId}/participants"]
    (problem,) = CHECKER.answer_problems(altered(seated, answer={"success": True, "data": {"participantIds": []}}))
    assert "$.data" in problem and "is not of type 'array'" in problem
    marked = recorded["GET /flow/{flowId}/submission/{submissionId}"]
    data = body(marked)
    data["participants"][0]["assessorIds"] = [1]
    (problem,) = CHECKER.answer_problems(altered(marked, answer=data))
    assert "'assessorIds' was unexpected" in problem
    ok = recorded["PUT /flows/{flowId}/metadata"]
    (problem,) = CHECKER.answer_problems(altered(ok, answer={**body(ok), "error": None}))
    assert "$.error: None is not of type 'object'" in problem


def test_an_operation_the_spec_does_not_have_is_caught(recorded: dict[str, Exchange]) -> None:
    tag = recorded["POST /flows/{flowId}/external-sources"]
    (problem,) = CHECKER.request_problems(altered(tag, method="PUT"))
    assert "PUT is not an operation on" in problem
    (problem,) = CHECKER.request_problems(altered(tag, path="/v1/flows/1/external-source"))
    assert "no operation of WISEflow's API" in problem
