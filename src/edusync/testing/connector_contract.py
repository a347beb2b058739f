"""The connector contract as tests (see :mod:`edusync.connectors.base` for the rules they check).

Subclass :class:`ConnectorContract` and provide a ``connector`` fixture: a ready
connector instance whose system holds at least one object of each type it
declares (for sources), and that accepts writes (for targets).
"""

from __future__ import annotations

from typing import Any

import pytest

from edusync.connectors.base import Capability, Connector
from edusync.model.records import Change, Op


class ConnectorContract:
    """Tests every connector must pass."""

    @pytest.fixture
    def connector(self) -> Connector:
        raise NotImplementedError("provide a `connector` fixture")

    def test_declares_object_types_with_anchors(self, connector: Connector) -> None:
        types = connector.object_types()
        assert types, "a connector declares at least one object type"
        names = [t.name for t in types]
        assert len(names) == len(set(names)), "object type names are unique"
        assert all(t.anchor for t in types), "every object type names its anchor attribute"

    def test_capabilities_match_what_is_implemented(self, connector: Connector) -> None:
        cls = type(connector)
        imports = cls.import_objects is not Connector.import_objects
        exports = cls.export is not Connector.export
        assert connector.supports(Capability.FULL_IMPORT) == imports
        assert connector.supports(Capability.EXPORT) == exports
        if connector.supports(Capability.CONFIRM):
            assert cls.confirm is not Connector.confirm
        assert connector.supports(Capability.RECONCILE) == (cls.drifted is not Connector.drifted)

    def test_full_import_gives_unique_non_empty_anchors(self, connector: Connector) -> None:
        if not connector.supports(Capability.FULL_IMPORT):
            pytest.skip("not a source")
        for spec in connector.object_types():
            if spec.export_only:
                continue
            anchors = [r.anchor for r in connector.import_objects(spec.name)]
            assert anchors, f"{spec.name}: the test system holds objects"
            assert all(isinstance(a, str) and a for a in anchors)
            assert len(anchors) == len(set(anchors)), f"{spec.name}: anchors are unique"

    def test_full_import_is_repeatable(self, connector: Connector) -> None:
        if not connector.supports(Capability.FULL_IMPORT):
            pytest.skip("not a source")
        spec = connector.object_types()[0]
        first = {r.anchor: (r.fingerprint, r.attrs) for r in connector.import_objects(spec.name)}
        second = {r.anchor: (r.fingerprint, r.attrs) for r in connector.import_objects(spec.name)}
        assert first == second, "the same content gives the same records and fingerprints"

    def sample_changes(self, connector: Connector) -> list[Change]:
        spec = connector.object_types()[0]
        attrs: dict[str, Any] = {"displayName": "Åse Ødegård"}
        return [
            Change(id=1, object_type=spec.name, key="k1", op=Op.ADD, attrs=attrs, hash="h1"),
            Change(id=2, object_type=spec.name, key="k2", op=Op.ADD, attrs=attrs, hash="h2"),
            Change(id=3, object_type=spec.name, key="k1", op=Op.UPDATE, attrs={**attrs, "mail": "a@b.no"}, hash="h3"),
            Change(id=4, object_type=spec.name, key="k2", op=Op.DELETE, attrs=attrs, hash="h2"),
        ]

    def test_export_gives_one_result_per_change(self, connector: Connector) -> None:
        if not connector.supports(Capability.EXPORT):
            pytest.skip("not a target")
        changes = self.sample_changes(connector)
        connector.begin_export(1, 1)
        results = connector.export(changes)
        connector.finish_export()
        assert sorted(r.change_id for r in results) == [c.id for c in changes]

    def test_confirm_reports_only_what_was_applied(self, connector: Connector) -> None:
        if not connector.supports(Capability.CONFIRM):
            pytest.skip("cannot confirm")
        changes = self.sample_changes(connector)
        connector.begin_export(2, 2)
        assert connector.confirm(changes) == set()
        connector.export(changes[:2])
        assert connector.confirm(changes) == {1, 2}
        connector.finish_export()

    def test_finishing_again_after_a_publish_keeps_what_was_published(self, connector: Connector) -> None:
        """Rule 7: a resume after a publish the run never recorded calls begin and finish again."""
        if not connector.supports(Capability.CONFIRM):
            pytest.skip("cannot confirm")
        changes = self.sample_changes(connector)
        connector.begin_export(4, 4)
        connector.export(changes[:2])
        connector.finish_export()
        connector.begin_export(4, 4)  # the resumed attempt: same run, same change set, nothing left to send
        connector.finish_export()
        connector.begin_export(4, 4)
        assert connector.confirm(changes[:2]) == {1, 2}, "what was published is still there"

    def test_drifted_reports_what_differs_from_what_was_sent(self, connector: Connector) -> None:
        if not connector.supports(Capability.RECONCILE):
            pytest.skip("cannot read back")
        add1, add2, update1, _ = self.sample_changes(connector)
        connector.begin_export(3, 3)
        assert all(r.ok for r in connector.export([add1, add2]))
        connector.finish_export()
        assert connector.drifted([add1, add2]) == [], "what was just written has not drifted"
        # Expected as the update says, but the target still holds the add: k1 differs; k2 is as sent.
        gone = Change(id=5, object_type=add2.object_type, key="never-written", op=Op.UPDATE, attrs=add2.attrs)
        found = {d.key: d for d in connector.drifted([update1, add2, gone])}
        assert set(found) == {update1.key, gone.key}
        assert not found[update1.key].missing and found[update1.key].attributes
        assert found[gone.key].missing
