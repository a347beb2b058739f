"""Export to scim2-server over HTTP: create, PATCH only what changed, deactivate or delete, memberships."""

from __future__ import annotations

from edusync.connectors.scim import ScimConnector
from edusync.model.records import Op
from edusync.sandbox.scim import ScimServer
from tests.connectors.scim.conftest import connector, group, member, user

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_users_groups_and_members_arrive_with_the_enterprise_extension(scim: ScimConnector, server: ScimServer) -> None:
    changes = [
        user(1, employeeNumber="E1", organization="Vestfold fylkeskommune", department="Hylla skole", email="a@b.no"),
        user(2),
        group(3, "K1", "1STA"),
        member(4, "p1", "K1"),
        member(5, "p2", "K1"),
    ]
    results = scim.export(changes)
    assert all(r.ok for r in results), results
    users = server.by_external_id("User")
    assert set(users) == {"p1", "p2"}
    ase = users["p1"]
    assert ase["userName"] == "p1@fylke.no" and ase["name"]["familyName"] == "Ødegård p1"
    assert ase["emails"] == [{"value": "a@b.no", "type": "work", "primary": True}]
    assert ase[ENTERPRISE] == {
        "employeeNumber": "E1", "organization": "Vestfold fylkeskommune", "department": "Hylla skole"}  # fmt: skip
    (k1,) = server.by_external_id("Group").values()
    assert k1["displayName"] == "1STA"
    assert {m["value"] for m in k1["members"]} == {users["p1"]["id"], users["p2"]["id"]}


def test_an_update_patches_only_what_changed_and_the_same_batch_again_writes_nothing(server: ScimServer) -> None:
    scim = connector(server, bulk=False)
    scim.export([user(1, department="A"), user(2)])
    before = dict(server.controls.counts)
    results = scim.export([user(3, "p1", Op.UPDATE, department="B"), user(4, "p2", Op.UPDATE)])
    assert all(r.ok for r in results)
    counts = {k: v - before.get(k, 0) for k, v in server.controls.counts.items() if v != before.get(k, 0)}
    assert counts == {"GET /Users": 1, "PATCH /Users/{id}": 1}, "one search, one PATCH: p2 is unchanged"
    assert server.by_external_id("User")["p1"][ENTERPRISE]["department"] == "B"
    again = dict(server.controls.counts)
    assert all(r.ok for r in scim.export([user(3, "p1", Op.UPDATE, department="B")]))
    assert {k: v - again.get(k, 0) for k, v in server.controls.counts.items() if v != again.get(k, 0)} == {
        "GET /Users": 1}  # fmt: skip


def test_soft_delete_deactivates_and_hard_delete_deletes(scim: ScimConnector, server: ScimServer) -> None:
    scim.export([user(1), user(2), group(3, "K1", "1STA"), member(4, "p1", "K1")])
    assert all(r.ok for r in scim.export([user(5, "p1", Op.DELETE)]))
    assert server.by_external_id("User")["p1"]["active"] is False
    assert all(r.ok for r in scim.export([user(6, "p1", Op.RESTORE)]))
    assert server.by_external_id("User")["p1"]["active"] is True
    hard = user(7, "p2", Op.DELETE)
    hard.soft = False
    assert all(r.ok for r in scim.export([hard, member(8, "p1", "K1", Op.DELETE), group(9, "K1", "1STA", Op.DELETE)]))
    assert set(server.by_external_id("User")) == {"p1"}
    assert server.by_external_id("Group") == {}


def test_with_soft_delete_delete_a_soft_delete_removes_the_user(server: ScimServer) -> None:
    scim = connector(server, soft_delete="delete")
    scim.export([user(1)])
    assert all(r.ok for r in scim.export([user(2, "p1", Op.DELETE)]))
    assert server.by_external_id("User") == {}
    assert all(r.ok for r in scim.export([user(3, "p1", Op.DELETE)])), "already gone counts as done"
