"""The IMS ES checker catches drift on either side: real exchanges, changed the way a bug would change them.

Each test records what the connector and the sandbox really exchanged over HTTP, checks that it
conforms, then changes the request or the answer as an earlier edusync (or a careless sandbox)
did, and asserts that the checker names exactly that.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest

from edusync.model.records import Op
from edusync.sandbox.imses import create_app
from edusync.sandbox.imses.spec import ImsesChecker
from edusync.testing.exchanges import Exchange
from tests.conformance.conftest import recording
from tests.connectors.imses.conftest import PASSWORD, USERNAME, Site
from tests.connectors.imses.test_export import ASE, change, school_and_course

CHECKER = ImsesChecker()


@pytest.fixture
def recorded() -> Iterator[dict[str, Exchange]]:
    """A night's worth of real exchanges, by operation: persons, groups, memberships, reads and deletes."""
    with recording(create_app(username=USERNAME, password=PASSWORD, site="fylke"), CHECKER) as (url, kept):
        connector = Site(url).connector()
        members = [
            change("membership", "m1", person="p1", group="C1", begin="2025-08-15"),
            change("membership", "m2", person="p2", group="C1", role="teacher"),
        ]
        people = [change("person", "p1", **ASE), change("person", "p2", **ASE)]
        results = connector.export([*people, *school_and_course(), *members])
        results += connector.export([change("person", "ghost", Op.DELETE), change("person", "p9", Op.DELETE)])
        assert all(r.ok for r in results), results
        connector.close()
    yield {CHECKER.kind(e): e for e in kept.served()}


def _edit(
    exchange: Exchange, *, request: tuple[str, str] | None = None, answer: tuple[str, str] | None = None
) -> Exchange:
    def changed(body: bytes, edit: tuple[str, str] | None) -> bytes:
        if edit is None:
            return body
        new = re.sub(edit[0], edit[1], body.decode(), count=1, flags=re.S)
        assert new != body.decode(), f"{edit[0]!r} is not in the exchange"
        return new.encode()

    return dataclasses.replace(
        exchange,
        request_body=changed(exchange.request_body, request),
        response_body=changed(exchange.response_body, answer),
        request_headers=dict(exchange.request_headers),
    )


def test_the_real_exchanges_conform(recorded: dict[str, Exchange]) -> None:
    assert set(recorded) == {"createPersons", "createGroups", "createMemberships", "deletePersons"}
    assert {kind: CHECKER.problems(e) for kind, e in recorded.items()} == {kind: [] for kind in recorded}


def test_a_restrict_before_its_date_is_caught(recorded: dict[str, Exchange]) -> None:
    date = r"(<[\w:]*date>[^<]*</[\w:]*date>)(<[\w:]*restrict>[^<]*</[\w:]*restrict>)"
    drifted = _edit(recorded["createMemberships"], request=(date, r"\2\1"))
    (problem,) = CHECKER.request_problems(drifted)
    assert "createMembershipsRequest" in problem and "Element 'restrict': This element is not expected" in problem


def test_demographics_without_a_gender_are_caught(recorded: dict[str, Exchange]) -> None:
    drifted = _edit(recorded["createPersons"], request=(r"<[\w:]*gender>Female</[\w:]*gender>", ""))
    (problem,) = CHECKER.request_problems(drifted)
    assert "Element 'bday': This element is not expected. Expected is ( gender )" in problem


def test_a_group_without_level_or_label_is_caught(recorded: dict[str, Exchange]) -> None:
    unlevelled = _edit(recorded["createGroups"], request=(r"<[\w:]*level>[^<]*</[\w:]*level>", ""))
    assert any("Expected is ( level )" in p for p in CHECKER.request_problems(unlevelled))
    unlabelled = _edit(recorded["createGroups"], request=(r"<[\w:]*label>[^<]*</[\w:]*label>", ""))
    assert any("Expected is ( label )" in p for p in CHECKER.request_problems(unlabelled))


def test_a_request_without_its_timestamp_or_action_is_caught(recorded: dict[str, Exchange]) -> None:
    exchange = recorded["createPersons"]
    unstamped = _edit(exchange, request=(r"<wsu:Timestamp>.*?</wsu:Timestamp>", ""))
    assert CHECKER.request_problems(unstamped) == [
        "wsse:Security holds no wsu:Timestamp, which the binding's IncludeTimestamp requires"
    ]
    unnamed = _edit(exchange)
    del unnamed.request_headers["soapaction"]
    assert CHECKER.request_problems(unnamed) == [
        "the request has no SOAPAction header, which SOAP 1.1 over HTTP requires"
    ]
    assert CHECKER.kind(unnamed) == "createPersons", "the body still names the operation"
    unknown = _edit(exchange)
    unknown.request_headers["soapaction"] = '"http://www.imsglobal.org/soap/pms/mergePersons"'
    assert (
        "SOAPAction '\"http://www.imsglobal.org/soap/pms/mergePersons\"' is none of the actions"
        in (CHECKER.request_problems(unknown)[0])
    )


def test_a_description_outside_the_common_namespace_is_caught(recorded: dict[str, Exchange]) -> None:
    """The sandbox's old answers wrote a status description's text in the message-binding namespace."""
    exchange = recorded["deletePersons"]
    assert b"unknownobject" in exchange.response_body
    common = "http://www.imsglobal.org/services/common/imsCommonSchema_v1p0"
    bind = "http://www.imsglobal.org/services/common/imsMessBindSchema_v1p0"
    drifted = _edit(exchange, answer=(f'<text xmlns="{common}">', f'<text xmlns="{bind}">'))
    (problem,) = CHECKER.answer_problems(drifted)
    assert "syncResponseHeaderInfo" in problem and "Element 'text': This element is not expected" in problem


def test_a_batch_answer_that_loses_a_status_is_caught(recorded: dict[str, Exchange]) -> None:
    exchange = recorded["deletePersons"]
    drifted = _edit(exchange, answer=(r"<statusInfo>.*?</statusInfo>", ""))
    assert CHECKER.answer_problems(drifted) == [
        "a batch call of 2 items is answered with a statusInfoSet of as many statuses"
    ]
    wrong_ref = _edit(exchange, answer=(r"<messageIdRef>[^<]*</messageIdRef>", "<messageIdRef>other</messageIdRef>"))
    (problem,) = CHECKER.answer_problems(wrong_ref)
    assert "messageIdRef is not the request's messageIdentifier" in problem


def test_an_answer_in_the_wrong_shape_is_caught(recorded: dict[str, Exchange]) -> None:
    exchange = recorded["createGroups"]
    untimed = _edit(exchange, answer=(r"<\w+:Security.*?</\w+:Security>", ""))
    assert CHECKER.answer_problems(untimed) == [
        "wsse:Security holds no wsu:Timestamp, which the binding's IncludeTimestamp requires"
    ]
    renamed = _edit(exchange, answer=("createGroupsResponse", "createGroupResponse"))
    assert any("not the createGroups response" in p for p in CHECKER.answer_problems(renamed))
    failed = dataclasses.replace(exchange, status=400)
    assert CHECKER.answer_problems(failed)[0].startswith("HTTP 400 with")
