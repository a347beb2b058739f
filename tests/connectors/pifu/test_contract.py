"""The connector contract, with the PIFU example as the source and a folder as the target."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

from edusync.connectors.base import Connector
from edusync.connectors.pifu import PifuConnector, PifuSettings
from edusync.model.records import Change, Op
from edusync.testing.connector_contract import ConnectorContract
from tests.connectors.pifu.conftest import PIFU_EXAMPLE


class TestPifuContract(ConnectorContract):
    @pytest.fixture
    def connector(self, tmp_path: Path) -> PifuConnector:
        return PifuConnector("lms", PifuSettings(input=PIFU_EXAMPLE, output=Path("out")), tmp_path)

    def sample_changes(self, connector: Connector) -> list[Change]:
        """The contract's changes, with the two names a PIFU person must have."""
        attrs = {"givenName": "Åse", "familyName": "Ødegård"}
        return [
            Change(id=1, object_type="person", key="k1", op=Op.ADD, attrs=attrs, hash="h1"),
            Change(id=2, object_type="person", key="k2", op=Op.ADD, attrs=attrs, hash="h2"),
            Change(id=3, object_type="person", key="k1", op=Op.UPDATE, attrs={**attrs, "email": "a@b.no"}, hash="h3"),
            Change(id=4, object_type="person", key="k2", op=Op.DELETE, attrs=attrs, hash="h2"),
        ]


def test_registered_under_its_type_name() -> None:
    (found,) = entry_points(group="edusync.connectors", name="pifu-xml")
    assert found.load() is PifuConnector
