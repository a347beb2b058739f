"""Bad days over real HTTP: a slow or sick endpoint, refused credentials, a wrong URL, a refused call."""

from __future__ import annotations

import time

import pytest

from edusync.connectors.imses.client import ImsesClient
from edusync.connectors.imses.soap import SERVICES, read_request
from edusync.errors import FatalError
from edusync.model.records import Op
from edusync.sandbox.imses import create_app
from edusync.sandbox.serving import serve_in_thread
from tests.connectors.imses.conftest import PASSWORD, DriftingSite, Site
from tests.connectors.imses.test_export import ASE, OLA, by_id, change


def test_a_slow_answer_is_retried(site: Site) -> None:
    connector = site.connector(timeout=0.5, retries=2)
    site.delay(1.5, requests=1)
    result = connector.export([change("person", "p1", **ASE)])
    assert result[0].ok, result
    time.sleep(1.2)  # past the first attempt's delay
    # The sandbox drops a request whose client hung up; itslearning might still carry it out, which the upsert
    # would make harmless. Either way the person is there once.
    assert site.calls() == [("createPerson", 1)]
    assert site.summary()["persons"] == ["p1"]


def test_an_endpoint_that_stays_silent_fails_the_batch_retriably_naming_the_endpoint(site: Site) -> None:
    connector = site.connector(timeout=0.3, retries=1, batch_size=2)
    site.delay(1.0)
    persons = [change("person", f"p{i}", **OLA) for i in range(4)]
    started = time.monotonic()
    results = by_id(connector.export(persons))
    assert time.monotonic() - started < 5, "the rest is not tried once the endpoint is gone"
    first, second = results[persons[0].id], results[persons[2].id]
    assert not first.ok and first.retriable
    assert first.error == f"itslearning IMS ES createPersons at {site.endpoint}: no answer within 0.3 s (2 attempts)"
    assert results[persons[1].id].error == first.error
    assert not second.ok and second.retriable and second.error == f"not sent: {first.error}"

    site.admin("DELETE", "/faults")
    again = connector.export(persons)
    assert all(r.ok for r in again), "sent again, the same changes go through"
    assert site.summary()["persons"] == ["p0", "p1", "p2", "p3"]


def test_a_sick_endpoint_is_retried_then_reported(site: Site) -> None:
    connector = site.connector(retries=2)
    site.down(2)
    assert connector.export([change("person", "p1", **ASE)])[0].ok
    site.down(2, mode="disconnect")
    assert connector.export([change("person", "p2", **OLA)])[0].ok
    site.down(3)
    result = connector.export([change("person", "p3", **OLA)])[0]
    assert not result.ok and result.retriable
    assert result.error == f"itslearning IMS ES createPerson at {site.endpoint}: HTTP 503 (3 attempts)"


def test_wrong_credentials_stop_the_export_with_a_clear_error(site: Site) -> None:
    connector = site.connector(password="feil-passord")
    with pytest.raises(FatalError) as caught:
        connector.export([change("person", "p1", **ASE)])
    message = str(caught.value)
    assert site.endpoint in message and "createPerson" in message
    assert "refused the WS-Security credentials of user 'itsl-sync'" in message
    assert "FailedAuthentication" in message and "username and password" in message
    assert "feil-passord" not in message and PASSWORD not in message
    assert site.calls() == [], "nothing was carried out"


def test_a_wrong_url_is_fatal(drifting_site: DriftingSite) -> None:
    site = drifting_site
    connector = site.connector(url=f"{site.base}/WCFServiceLibrary/Feil.svc")
    with pytest.raises(FatalError, match=r"HTTP 404, no IMS ES service there; check the connector's url"):
        connector.export([change("person", "p1", **ASE)])
    sent, answered = site.problems()
    assert sent == ["/WCFServiceLibrary/Feil.svc is none of itslearning's IMS ES endpoints"] and answered == []


def test_a_refused_call_fails_its_items_and_the_others_go_on(drifting_site: DriftingSite) -> None:
    site = drifting_site
    base = f"{site.base}/WCFServiceLibrary"
    connector = site.connector(person_url=f"{base}/GroupManagementServiceSync.svc")  # a configuration slip
    results = by_id(
        connector.export(
            [
                change("person", "p1", **ASE),
                change("organisation", "S1", name="Hylla skole"),
                change("person", "p2", Op.DELETE),
            ]
        )
    )
    errors = [r.error or "" for r in results.values() if not r.ok]
    assert len(errors) == 2 and all("SOAP fault ActionNotSupported" in e for e in errors)
    assert all(not r.retriable for r in results.values() if not r.ok)
    assert "S1" in site.summary()["groups"]
    sent, answered = site.problems()
    assert sent == [
        "/WCFServiceLibrary/GroupManagementServiceSync.svc does not serve createPerson (person binding)",
        "/WCFServiceLibrary/GroupManagementServiceSync.svc does not serve deletePerson (person binding)",
    ]
    assert answered == [], "the refusals are SOAP faults as the specification has them"


def test_a_password_with_non_ascii_characters_and_markup() -> None:
    password = "blåbær<&>\"'"
    with serve_in_thread(create_app(username="u", password=password)) as url:
        site = Site(url)
        connector = site.connector(username="u", password=password)
        assert connector.export([change("person", "p1", **ASE)])[0].ok


def test_read_persons_reports_a_missing_key_at_its_position(site: Site) -> None:
    connector = site.connector()
    client: ImsesClient = connector.client
    svc = SERVICES["person"]
    reply = client.call("person", "readPersons", read_request(svc, "readPersons", "sourcedIdSet", ["p9"]))
    assert [s.ok for s in reply.statuses] == [False]
    assert reply.statuses[0].code_minor == "unknownobject"
