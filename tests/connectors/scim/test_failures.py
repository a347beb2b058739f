"""scim2-server's refusals, its paging, what its ServiceProviderConfig offers, and a restart in the middle of an export."""

from __future__ import annotations

import threading

import pytest

from edusync.model.records import Op
from edusync.sandbox.scim import ScimServer
from tests.connectors.scim.conftest import connector, group, member, user


def test_a_user_name_already_taken_fails_that_user_alone_with_the_services_words(server: ScimServer) -> None:
    scim = connector(server)
    scim.export([user(1)])
    taken = user(2, "p2", userName="p1@fylke.no")
    results = {r.change_id: r for r in scim.export([taken, user(3, "p3")])}
    assert results[3].ok
    assert not results[2].ok and not results[2].retriable
    assert "user p2" in (results[2].error or "") and "409 uniqueness" in (results[2].error or "")
    assert set(server.by_external_id("User")) == {"p1", "p3"}


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-by-one"])
def test_a_missing_required_attribute_is_refused_for_that_user_alone(bulk: bool) -> None:
    with ScimServer(required=("emails",)) as server:  # this service's schema makes emails required
        scim = connector(server, bulk=bulk)
        results = {r.change_id: r for r in scim.export([user(1), user(2, email="b@fylke.no")])}
    assert results[2].ok
    assert not results[1].ok and not results[1].retriable and "emails" in (results[1].error or "")
    assert set(server.by_external_id("User")) == {"p2"}


def test_a_user_without_user_name_or_with_a_national_id_is_never_sent(server: ScimServer) -> None:
    scim = connector(server)
    results = {r.change_id: r for r in scim.export([
        user(1, userName=None), user(2, employeeNumber="01010012356"), user(3, "01010012356")])}  # fmt: skip
    assert "no userName" in (results[1].error or "")
    assert "employeeNumber holds a national identity number" in (results[2].error or "")
    assert "010100*****" in (results[3].error or "") and "01010012356" not in (results[3].error or "")
    assert server.by_external_id("User") == {} and "POST /Users" not in server.controls.counts


def test_a_user_that_vanished_before_its_patch_is_created_again(server: ScimServer) -> None:
    scim = connector(server, bulk=False)
    scim.export([user(1)])
    server.controls.vanish.add("p1")  # deleted behind edusync's back, after it was found and before the PATCH
    results = scim.export([user(2, "p1", Op.UPDATE, title="Lærer")])
    assert all(r.ok for r in results), results
    assert server.controls.counts["PATCH /Users/{id}"] == 1 and server.controls.counts["POST /Users"] == 2
    assert server.by_external_id("User")["p1"]["title"] == "Lærer"


def test_a_version_changed_behind_edusyncs_back_is_read_again_and_written_once_more(server: ScimServer) -> None:
    scim = connector(server, bulk=False)
    scim.export([user(1)])
    # Someone edits the user after edusync read it: the PATCH's If-Match no longer holds.
    original = scim.client.find
    edited = threading.Event()

    def find_then_edit(model, ids):  # type: ignore[no-untyped-def]
        found = original(model, ids)
        if not edited.is_set():
            edited.set()
            other = connector(server, bulk=False)
            other.export([user(9, "p1", Op.UPDATE, nickName="Åsa")])
            other.close()
        return found

    scim.client.find = find_then_edit  # type: ignore[method-assign]
    results = scim.export([user(2, "p1", Op.UPDATE, title="Lærer")])
    assert all(r.ok for r in results), results
    held = server.by_external_id("User")["p1"]
    assert held["title"] == "Lærer" and "nickName" not in held, "edusync manages nickName: its value is put back"
    assert server.controls.counts["PATCH /Users/{id}"] == 3, "edited, refused with 412, sent again"


def test_searches_page_until_total_results(server: ScimServer) -> None:
    scim = connector(server, page_size=2, filter_keys=5)
    scim.export([user(i) for i in range(1, 8)])
    before = server.controls.counts["GET /Users"]
    assert scim.confirm([user(i, op=Op.UPDATE) for i in range(1, 8)]) == set(range(1, 8))
    assert server.controls.counts["GET /Users"] - before == 3 + 1, "5 keys in 3 pages of 2, then 2 keys in one"


def test_without_patch_or_bulk_in_the_service_config_it_replaces_and_sends_one_by_one() -> None:
    with ScimServer(patch=False, bulk=False) as server:
        scim = connector(server)
        scim.export([user(1), user(2), group(3, "K1", "1STA")])
        assert all(r.ok for r in scim.export([user(5, "p1", Op.UPDATE, title="Rektor"), group(6, "K1", "1STB")]))
    counts = server.controls.counts
    assert "POST /Bulk" not in counts and "PATCH /Users/{id}" not in counts
    assert counts["POST /Users"] == 2 and counts["PUT /Users/{id}"] == 1 and counts["PUT /Groups/{id}"] == 1
    assert server.by_external_id("User")["p1"]["title"] == "Rektor"


def test_a_put_of_a_group_keeps_its_members() -> None:
    with ScimServer(patch=True) as server:
        scim = connector(server, update="replace")
        scim.export([user(1), group(2, "K1", "1STA"), member(3, "p1", "K1")])
        assert all(r.ok for r in scim.export([group(4, "K1", "1STB")]))
    (k1,) = server.by_external_id("Group").values()
    assert k1["displayName"] == "1STB" and len(k1["members"]) == 1


def test_with_bulk_a_batch_goes_in_few_requests(server: ScimServer) -> None:
    scim = connector(server, bulk_size=10)
    changes = [user(i) for i in range(1, 26)] + [group(30, "K1", "1STA")]
    changes += [member(40 + i, f"p{i}", "K1") for i in range(1, 26)]
    assert all(r.ok for r in scim.export(changes))
    counts = server.controls.counts
    assert counts["POST /Bulk"] == 3, "26 creates in bulks of 10"
    assert counts["PATCH /Groups/{id}"] == 1, "then one members patch, on its own"
    assert "POST /Users" not in counts
    (k1,) = server.by_external_id("Group").values()
    assert len(k1["members"]) == 25


def test_a_service_that_stops_answering_fails_the_rest_retriably() -> None:
    server = ScimServer()
    scim = connector(server, retries=0, timeout=1)
    with server:
        pass  # started and stopped: nothing listens on its port now
    results = scim.export([user(1), user(2)])
    assert [r.ok for r in results] == [False, False] and all(r.retriable for r in results)
    assert "not sent" in (results[0].error or "")
