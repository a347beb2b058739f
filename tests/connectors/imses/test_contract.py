"""The connector contract, against the IMS ES sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest

from edusync.connectors.base import Connector
from edusync.connectors.imses import ImsesConnector
from edusync.model.records import Change, Op
from edusync.testing.connector_contract import ConnectorContract
from tests.connectors.imses.conftest import Site


class TestImsesContract(ConnectorContract):
    @pytest.fixture
    def connector(self, site: Site) -> Iterator[Connector]:
        conn = site.connector()
        yield conn
        conn.close()

    def sample_changes(self, connector: Connector) -> list[Change]:
        """The contract's changes, with the two names itslearning requires of a person."""
        attrs = {"givenName": "Åse", "familyName": "Ødegård"}
        return [
            Change(id=1, object_type="person", key="k1", op=Op.ADD, attrs=attrs, hash="h1"),
            Change(id=2, object_type="person", key="k2", op=Op.ADD, attrs=attrs, hash="h2"),
            Change(id=3, object_type="person", key="k1", op=Op.UPDATE, attrs={**attrs, "email": "a@b.no"}, hash="h3"),
            Change(id=4, object_type="person", key="k2", op=Op.DELETE, attrs=attrs, hash="h2"),
        ]

    def test_sample_changes_all_go_through(self, connector: Connector, site: Site) -> None:
        results = connector.export(self.sample_changes(connector))
        assert all(r.ok for r in results), results
        assert site.summary()["persons"] == ["k1"]
        assert site.summary()["trash"] == ["k2"]


def test_registered_under_its_type_name() -> None:
    (found,) = entry_points(group="edusync.connectors", name="imses")
    assert found.load() is ImsesConnector
