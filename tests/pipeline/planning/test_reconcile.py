"""The plan side of reconciling, on SQLite and PostgreSQL: what a read-back found becomes changes.

The read-back itself needs a target that can answer; tests/connectors/ldap does that against slapd.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from edusync.config.models import Config
from edusync.connectors.base import Drifted
from edusync.errors import ConfigError
from edusync.model.hashing import dump_hash
from edusync.pipeline.context import Report, RunContext
from edusync.pipeline.gate.store import stored_hash
from edusync.pipeline.planning.planner import plan_target
from edusync.pipeline.planning.reconcile import Drift, Reconciled, reconciles
from edusync.storage import Database, tables

NOW = dt.datetime(2026, 9, 1, 2, 0, tzinfo=dt.UTC)


def _ctx(db: Database, *, connector: str = "ldap", **target: Any) -> RunContext:
    config = Config.model_validate(
        {
            "connectors": {"cat": {"type": connector}},
            "targets": {"cat": {"objects": [{"metaverse_type": "person", "object_type": "person"}], **target}},
            "profiles": {"nightly": ["cat:export"]},
        }
    )
    return RunContext(db, config, {}, Path("."), 7, NOW, Report())


def _attrs(n: int, mail: str | None = None) -> dict[str, Any]:
    return {"givenName": f"Elev {n}", "sn": "Nummer", "mail": mail or f"elev{n}@example.no"}


def _store(db: Database, rows: list[tuple[str, str, dict[str, Any], str, dict[str, Any]]]) -> None:
    """Metaverse objects (id, state, attrs) and what the target was last sent of them (state, attrs)."""
    with db.begin() as conn:
        for mv_id, mv_state, attrs, sent_state, sent in rows:
            text, digest = dump_hash(attrs)
            conn.execute(
                tables.mv_objects.insert().values(
                    id=mv_id, object_type="person", state=mv_state, state_since="2026-08-01", attrs=text,
                    lineage="{}", sources="[]", hash=digest, created_run=1, changed_run=1,
                )
            )  # fmt: skip
            text, digest = dump_hash(sent)
            conn.execute(
                tables.target_objects.insert().values(
                    target="cat", object_type="person", key=mv_id, mv_id=mv_id, hash=digest, attrs=text,
                    state=sent_state, run_id=1,
                )
            )  # fmt: skip


def test_drifted_objects_are_planned_with_what_was_last_sent(db: Database) -> None:
    _store(
        db,
        [
            ("per-1", "active", _attrs(1), "present", _attrs(1)),  # edited by hand
            ("per-2", "active", _attrs(2), "present", _attrs(2)),  # deleted by hand
            ("per-3", "archived", _attrs(3), "archived", _attrs(3)),  # held archived, edited by hand
            ("per-4", "disabled", _attrs(4), "deleted", _attrs(4)),  # deleted by edusync: not put back
            ("per-5", "active", _attrs(5, "ny@example.no"), "present", _attrs(5)),  # the source changed it too
            ("per-6", "active", _attrs(6), "present", _attrs(6)),  # as sent
        ],
    )
    found = {
        "per-1": Drifted("person", "per-1", attributes=("mail",)),
        "per-2": Drifted("person", "per-2", missing=True),
        "per-3": Drifted("person", "per-3", attributes=("givenName", "mail")),
        "per-4": Drifted("person", "per-4", attributes=("mail",)),
        "per-5": Drifted("person", "per-5", attributes=("sn",)),
        "per-9": Drifted("person", "per-9", missing=True),  # never sent (or forgotten since)
    }
    ctx = _ctx(db)
    with db.begin() as conn:
        plan = plan_target(ctx, conn, "cat", "planned", Drift({"person": found}, {"person": 6}))
        stored = db.fetch(conn, "SELECT key, op, attrs, hash, mv_id FROM changes ORDER BY id", ())
        assert stored_hash(conn, plan.change_set_id) == plan.hash  # an approval can recompute it

    source = [("per-5", "update", *dump_hash(_attrs(5, "ny@example.no")), "per-5")]  # planned once: its new state
    put_back = [
        ("per-1", "update", *dump_hash(_attrs(1)), "per-1"),
        ("per-2", "add", *dump_hash(_attrs(2)), "per-2"),
        ("per-3", "archive", *dump_hash(_attrs(3)), "per-3"),  # stays archived
    ]
    assert [tuple(r) for r in stored] == source + put_back
    assert plan.counts == {"person": {"update": 2, "add": 1, "archive": 1}}
    assert plan.checked == {"person": 6}
    assert plan.reconciled == {"person": Reconciled(2, 1, Counter({"mail": 2, "givenName": 1}))}


def test_without_a_read_back_nothing_is_put_back(db: Database) -> None:
    _store(db, [("per-1", "active", _attrs(1), "present", _attrs(1))])
    with db.begin() as conn:
        plan = plan_target(_ctx(db), conn, "cat", "planned")
    assert plan.total == 0 and plan.reconciled == {} and plan.checked == {}


def test_reconcile_follows_the_option_and_the_connector(db: Database) -> None:
    assert reconciles(_ctx(db), "cat")  # unset: yes, as ldap can read back
    assert not reconciles(_ctx(db, reconcile=False), "cat")
    assert reconciles(_ctx(db, reconcile=True), "cat")
    assert not reconciles(_ctx(db, connector="pifu-xml"), "cat")  # a file: nothing to read back
    with pytest.raises(ConfigError, match=r"targets\.cat\.reconcile: connector type 'pifu-xml' cannot read back"):
        reconciles(_ctx(db, connector="pifu-xml", reconcile=True), "cat")
