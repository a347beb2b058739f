"""Deltas by watermark after a simulated school day, and write-back of the Feide name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from edusync.model.records import Change, Op
from edusync.sandbox.fint import create_app, generate
from edusync.sandbox.serving import serve_in_thread
from tests.connectors.fint.conftest import TODAY, Fint, records


@pytest.fixture
def fresh() -> Iterator[Fint]:
    """Its own county: these tests change it."""
    county = generate(seed=11, size="small", today=TODAY)
    app = create_app(county, client_id="c", client_secret="s", username="u", password="p", pending_polls=2)
    with serve_in_thread(app) as base:
        yield Fint(base, httpx.get(f"{base}/_sandbox/scenario").json())


def test_delta_reads_what_a_day_changed(fresh: Fint) -> None:
    con = fresh.connector()
    before = {t: records(con, t) for t in ("eduPerson", "eduMembership")}
    marks = con.import_objects("eduOrg").watermark
    assert marks
    day = fresh.admin("advance", days=1)
    tomorrow = TODAY + dt.timedelta(days=1)
    delta_con = fresh.connector(today=tomorrow)
    delta = {t: records(delta_con, t, since=marks) for t in ("eduPerson", "eduMembership")}
    full = {t: records(fresh.connector(today=tomorrow), t) for t in ("eduPerson", "eduMembership")}
    arrived = [a for a in full["eduPerson"] if a not in before["eduPerson"]]
    assert arrived and all(a in delta["eduPerson"] for a in arrived), day["events"]
    changed = [
        a for a, r in full["eduPerson"].items() if a in before["eduPerson"] and r.attrs != before["eduPerson"][a].attrs
    ]
    assert changed and all(delta["eduPerson"][a].attrs == full["eduPerson"][a].attrs for a in changed)
    new_members = [a for a in full["eduMembership"] if a not in before["eduMembership"]]
    assert new_members and all(a in delta["eduMembership"] for a in new_members)
    pupils_in_delta = [r for r in delta["eduPerson"].values() if r.attrs.get("PersonKilde") == "elev"]
    assert len(pupils_in_delta) < len(full["eduPerson"]) / 4, "a delta reads the changed pupils, not all"
    again = records(fresh.connector(today=tomorrow), "eduPerson", since=delta_con.import_objects("eduOrg").watermark)
    # Nothing changed since: the overlap reads the last changes again, and they are what a full import gives.
    assert {a for a, r in again.items() if r.attrs.get("PersonKilde") == "elev"} <= set(delta["eduPerson"])
    assert all(r.attrs == full["eduPerson"][a].attrs for a, r in again.items())


def _change(cid: int, name: str, elev: str | None = None, sr: str | None = None) -> Change:
    attrs = {"feidenavn": name, **({"elev": elev} if elev else {}), **({"skoleressurs": sr} if sr else {})}
    return Change(cid, "feidenavn", f"per-{cid}", Op.ADD, attrs)


def test_write_back_polls_until_done_and_reports_each_outcome(fresh: Fint) -> None:
    con = fresh.connector()
    elev = "/utdanning/elev/elev/systemid/" + fresh.scenario["elev_without_feidenavn"]
    sr = "/utdanning/elev/skoleressurs/systemid/" + fresh.scenario["skoleressurs_without_feidenavn"]
    [ok] = con.export([_change(1, "ny.elev@fjordheim.no", elev=elev)])
    assert ok.ok, ok.error
    assert con.client.get(elev)["feidenavn"]["identifikatorverdi"] == "ny.elev@fjordheim.no"

    [bad] = con.export([_change(2, "not-a-feide-name", sr=sr)])
    assert not bad.ok and not bad.retriable and "rejected" in (bad.error or "")

    fresh.admin("writes/outcome", result="error", count=1)
    [later] = con.export([_change(3, "ny.laerer@fjordheim.no", sr=sr)])
    assert not later.ok and later.retriable, "a 500 from the status is tried again next run"
    [retried] = con.export([_change(3, "ny.laerer@fjordheim.no", sr=sr)])
    assert retried.ok and con.client.get(sr)["feidenavn"]["identifikatorverdi"] == "ny.laerer@fjordheim.no"

    fresh.admin("writes/outcome", result="gone", count=1)
    [lost] = con.export([_change(4, "ny.elev2@fjordheim.no", elev=elev)])
    assert not lost.ok and lost.retriable and "lost (410)" in (lost.error or ""), "410: the status is lost"
    [again] = con.export([_change(4, "ny.elev2@fjordheim.no", elev=elev)])
    assert again.ok, again.error

    fresh.admin("writes/outcome", result="conflict", count=1)
    [clash] = con.export([_change(6, "ny.elev3@fjordheim.no", elev=elev)])
    assert not clash.ok and not clash.retriable and "conflict" in (clash.error or "")
    assert "it conflicts with /utdanning/elev/elev/" in (clash.error or "")
    [missing] = con.export([_change(5, "x@fjordheim.no", elev="/utdanning/elev/elev/systemid/nobody")])
    assert not missing.ok and "404" in (missing.error or "")


def test_a_delta_pages_by_size_and_next_links_never_by_total_items(fresh: Fint) -> None:
    """A delta's total_items is the whole cache (FINT's consumer): paging by it would fetch every page."""
    con = fresh.connector(page_size=20)
    marks = con.import_objects("eduOrg").watermark
    fresh.admin("advance", days=1)
    delta = fresh.connector(today=TODAY + dt.timedelta(days=2), page_size=20)
    pages: list[tuple[str, int]] = []
    read = delta.client.get_bytes

    def spy(path: str, params: dict[str, Any] | None = None) -> tuple[bytes, str]:
        if params and "sinceTimeStamp" in params:
            pages.append((path, int(params["offset"])))
        return read(path, params)

    delta.client.get_bytes = spy  # type: ignore[method-assign]
    records(delta, "eduPerson", since=marks)
    ugm = "/utdanning/timeplan/undervisningsgruppemedlemskap"
    cache = int(delta.client.get(f"{ugm}/cache/size")["size"])
    assert cache > 20 * 20, "the class is many pages long"
    read_pages = [offset for path, offset in pages if path == ugm]
    assert read_pages == list(range(0, 20 * len(read_pages), 20)), "pages in order, by size"
    assert len(read_pages) < cache // 20 / 4, "a day's delta reads a few pages, not the cache's"
