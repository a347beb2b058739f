"""The connector contract for oneroster-csv (Catalyst's 1.1 set as the source, a folder as the target) and sds-csv."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

from edusync.connectors.base import Connector
from edusync.connectors.oneroster import OneRosterConnector, OneRosterSettings
from edusync.connectors.sds import SdsConnector, SdsSettings
from edusync.model.records import Change, Op
from edusync.testing.connector_contract import ConnectorContract
from tests.connectors.oneroster.conftest import CATALYST, Ids, school, send


def _changes() -> list[Change]:
    attrs = {"givenName": "Åse", "familyName": "Ødegård", "username": "ase", "role": "student"}
    return [
        Change(id=1, object_type="person", key="k1", op=Op.ADD, attrs=attrs, hash="h1"),
        Change(id=2, object_type="person", key="k2", op=Op.ADD, attrs=attrs, hash="h2"),
        Change(id=3, object_type="person", key="k1", op=Op.UPDATE, attrs={**attrs, "email": "a@b.no"}, hash="h3"),
        Change(id=4, object_type="person", key="k2", op=Op.DELETE, attrs=attrs, hash="h2"),
    ]


class TestOneRosterContract(ConnectorContract):
    @pytest.fixture
    def connector(self, tmp_path: Path) -> OneRosterConnector:
        """The source: a package edusync wrote (Catalyst's set has no courses); the target writes elsewhere."""
        writer = OneRosterConnector("sis", OneRosterSettings(output=Path("in")), tmp_path)
        send(writer, 1, school(Ids()))
        writer.close()
        settings = OneRosterSettings(input=Path("in"), output=Path("out"))
        return OneRosterConnector("roster", settings, tmp_path)

    def sample_changes(self, connector: Connector) -> list[Change]:
        return _changes()


class TestSdsContract(ConnectorContract):
    @pytest.fixture
    def connector(self, tmp_path: Path) -> SdsConnector:
        return SdsConnector("teams", SdsSettings(output=Path("out")), tmp_path)

    def sample_changes(self, connector: Connector) -> list[Change]:
        return _changes()


def test_catalysts_set_gives_records_of_each_type_it_holds(tmp_path: Path) -> None:
    conn = OneRosterConnector("sis", OneRosterSettings(input=CATALYST / "Test_full_data_set.zip"), tmp_path)
    for t in ("organisation", "academicSession", "group", "person", "membership"):
        anchors = [r.anchor for r in conn.import_objects(t)]
        assert anchors and len(anchors) == len(set(anchors))


@pytest.mark.parametrize(("name", "cls"), [("oneroster-csv", OneRosterConnector), ("sds-csv", SdsConnector)])
def test_registered_under_its_type_name(name: str, cls: type[Connector]) -> None:
    (found,) = entry_points(group="edusync.connectors", name=name)
    assert found.load() is cls
