"""The connector contract, run against a real slapd."""

from __future__ import annotations

from typing import Any

import pytest

from edusync.connectors.base import Connector
from edusync.connectors.registry import connector_class
from edusync.model.records import Change, Op
from edusync.testing.connector_contract import ConnectorContract
from tests.connectors.ldap.conftest import MakeConnector


class TestLdapContract(ConnectorContract):
    @pytest.fixture
    def connector(self, make_connector: MakeConnector) -> Connector:
        return make_connector()

    def sample_changes(self, connector: Connector) -> list[Change]:
        # inetOrgPerson needs sn and cn, so the contract's bare displayName is not enough here.
        attrs: dict[str, Any] = {"displayName": "Åse Ødegård", "givenName": "Åse", "sn": "Ødegård"}
        return [
            Change(id=1, object_type="person", key="k1", op=Op.ADD, attrs=attrs, hash="h1"),
            Change(id=2, object_type="person", key="k2", op=Op.ADD, attrs=attrs, hash="h2"),
            Change(id=3, object_type="person", key="k1", op=Op.UPDATE, attrs={**attrs, "mail": "a@b.no"}, hash="h3"),
            Change(id=4, object_type="person", key="k2", op=Op.DELETE, attrs=attrs, hash="h2"),
        ]


def test_found_through_the_entry_point() -> None:
    from edusync.connectors.ldap import LdapConnector

    assert connector_class("ldap") is LdapConnector
