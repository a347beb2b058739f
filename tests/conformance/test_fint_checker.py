"""The FINT checker catches drift on either side: real exchanges, changed the way a bug would change them.

A full import, a day's delta and a Feide-name write really cross HTTP between the connector and
the sandbox; each exchange conforms. Then a request or an answer is changed as an earlier edusync
(or a careless sandbox) had it, and the checker must name exactly that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from edusync.connectors.fint import FintConnector
from edusync.connectors.fint.settings import FintSettings
from edusync.model.records import Change, Op
from edusync.sandbox.fint import create_app, generate
from edusync.sandbox.fint.spec import FintChecker
from edusync.testing.exchanges import Exchange
from tests.conformance.conftest import altered, body, recording

CHECKER = FintChecker()
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, Exchange]]:
    """One exchange of each kind from a night: full read, a day's delta, a Feide name written back."""
    county = generate(seed=5, size="tiny", today=TODAY)
    app = create_app(county, client_id="c", client_secret="s", username="u", password="p", pending_polls=1)
    with recording(app, CHECKER) as (base, kept):
        settings = FintSettings(base_url=base, token_url=f"{base}/nidp/oauth/nam/token", client_id="c",
                                client_secret=SecretStr("s"), username="u", password=SecretStr("p"),
                                backoff_s=0, page_size=50, write_poll_s=0)  # fmt: skip
        con = FintConnector("fint", settings, Path("."))
        con.today = TODAY
        mark = con.import_objects("eduOrg").watermark
        httpx.post(f"{base}/_sandbox/advance", params={"days": 1}).raise_for_status()
        delta = FintConnector("fint", settings, Path("."))
        delta.today = TODAY + dt.timedelta(days=1)
        list(delta.import_objects("eduPerson", since=mark))
        sid = county.scenario.elev_without_feidenavn if county.scenario else ""
        elev = f"/utdanning/elev/elev/systemid/{sid}"
        [done] = con.export([Change(1, "feidenavn", "p", Op.ADD, {"feidenavn": "ny@tiny.no", "elev": elev})])
        assert done.ok, done.error
        con.close()
        delta.close()
    found: dict[str, Exchange] = {}
    for e in kept.served():
        found.setdefault(f"{CHECKER.kind(e)} {e.status}", e)
    yield found


def test_every_recorded_exchange_conforms(recorded: dict[str, Exchange]) -> None:
    kinds = set(recorded)
    for wanted in ("GET collection elev 200", "GET delta elev 200", "GET resource elev 200",
                   "PUT resource elev 202", "GET status elev 202", "GET status elev 201",
                   "GET last-updated elev 200", "token (password grant) 200"):  # fmt: skip
        assert wanted in kinds, sorted(kinds)
    assert {k: CHECKER.problems(e) for k, e in recorded.items() if CHECKER.problems(e)} == {}


def test_the_old_self_links_are_caught(recorded: dict[str, Exchange]) -> None:
    """The sandbox used to list systemid first and leave identifiers out."""
    page = recorded["GET collection elev 200"]
    data = body(page)
    entry = data["_embedded"]["_entries"][0]
    selves = entry["_links"]["self"]
    entry["_links"]["self"] = [s for s in selves if "/systemid/" in s["href"]] + [
        s for s in selves if "/systemid/" not in s["href"]
    ]
    assert any("not in FINT's order" in p for p in CHECKER.answer_problems(altered(page, answer=data)))
    entry["_links"]["self"] = [s for s in selves if "/systemid/" in s["href"]]
    assert any("not one per identifier" in p for p in CHECKER.answer_problems(altered(page, answer=data)))


def test_fields_and_relations_outside_the_model_are_caught(recorded: dict[str, Exchange]) -> None:
    page = recorded["GET collection elevforhold 200"]
    data = body(page)
    entry = data["_embedded"]["_entries"][0]
    entry["_links"]["klasse"] = entry["_links"]["basisgruppe"]  # v4 has no such link on elevforhold
    entry["gyldighetsperiode"]["start"] = "2026-08-18"  # a date, not a UTC time
    entry["elevnavn"] = "x"
    problems = CHECKER.answer_problems(altered(page, answer=data))
    assert any("links 'klasse', a relation its class does not have" in p for p in problems)
    assert any("start is not an ISO 8601 UTC time" in p for p in problems)
    assert any("'elevnavn', which utdanning.elev.Elevforhold does not have" in p for p in problems)


def test_paging_fields_and_links_are_held_to_the_consumer(recorded: dict[str, Exchange]) -> None:
    page = recorded["GET collection elev 200"]
    data = body(page)
    assert "next" in data["_links"], "the recorded page is not the last"
    del data["_links"]["next"]
    data["size"] = data["size"] + 1
    problems = CHECKER.answer_problems(altered(page, answer=data))
    assert "a collection has no 'next' link" in problems
    assert any(p.startswith("size is the entries in this answer") for p in problems)
    del data["offset"]
    assert "a collection has no 'offset'" in CHECKER.answer_problems(altered(page, answer=data))


def test_the_old_write_flow_is_caught(recorded: dict[str, Exchange]) -> None:
    put = recorded["PUT resource elev 202"]
    old = altered(put, response_headers={**put.response_headers, "location": "http://h/status/1"})
    assert any("under /utdanning/elev/elev/status/" in p for p in CHECKER.answer_problems(old))
    done = recorded["GET status elev 201"]
    assert CHECKER.answer_problems(altered(done, status=303)) != []
    no_location = altered(done, response_headers={"content-type": "application/json"})
    assert "a 201 status has a Location naming the resource's self link" in CHECKER.answer_problems(no_location)


def test_a_connector_that_drifts_is_caught(recorded: dict[str, Exchange]) -> None:
    put = recorded["PUT resource elev 202"]
    written = body(put, "request")
    written["feidenavn"] = "ny@tiny.no"  # a plain string where the model has an Identifikator
    bad = altered(put, request=written, path=put.path.replace("systemid", "id"))
    problems = CHECKER.request_problems(bad)
    assert "a write addresses /utdanning/elev/elev by 'id', none of its identifiers" in problems
    assert "the written resource.feidenavn is not an object, as a FINT Identifikator is" in problems
    page = recorded["GET delta elev 200"]
    assert CHECKER.request_problems(altered(page, query=page.query + "&page=2")) == [
        "FINT's collections take no 'page' parameter"
    ]
    tokenless = altered(page, request_headers={})
    assert CHECKER.request_problems(tokenless) == ["a FINT request carries an OAuth bearer token"]
