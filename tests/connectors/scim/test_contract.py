"""The connector contract, against scim2-server over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest

from edusync.connectors.base import Connector
from edusync.connectors.scim import ScimConnector
from edusync.model.records import Change, Op
from edusync.sandbox.scim import ScimServer
from edusync.testing.connector_contract import ConnectorContract
from tests.connectors.scim.conftest import connector


class TestScimContract(ConnectorContract):
    @pytest.fixture(params=["bulk", "one by one"])
    def connector(self, server: ScimServer, request: pytest.FixtureRequest) -> Iterator[Connector]:
        conn = connector(server, bulk=request.param == "bulk")
        yield conn
        conn.close()

    def sample_changes(self, connector: Connector) -> list[Change]:
        """The contract's changes, with the userName SCIM requires of a user."""
        attrs = {"userName": "ase@fylke.no", "displayName": "Åse Ødegård"}
        other = {**attrs, "userName": "ola@fylke.no"}
        return [
            Change(id=1, object_type="user", key="k1", op=Op.ADD, attrs=attrs, hash="h1"),
            Change(id=2, object_type="user", key="k2", op=Op.ADD, attrs=other, hash="h2"),
            Change(id=3, object_type="user", key="k1", op=Op.UPDATE, attrs={**attrs, "email": "a@b.no"}, hash="h3"),
            Change(id=4, object_type="user", key="k2", op=Op.DELETE, attrs=other, hash="h2"),
        ]

    def test_sample_changes_all_go_through(self, connector: Connector, server: ScimServer) -> None:
        results = connector.export(self.sample_changes(connector))
        assert all(r.ok for r in results), results
        users = server.by_external_id("User")
        assert users["k1"]["emails"][0]["value"] == "a@b.no"
        assert users["k2"]["active"] is False, "a soft delete deactivates"


def test_registered_under_its_type_name() -> None:
    (found,) = entry_points(group="edusync.connectors", name="scim")
    assert found.load() is ScimConnector
