"""Revert on the files target (JSON Lines change files), on SQLite and PostgreSQL: the content comes back
exactly, a hold keeps the next run from redoing it and a release lets it, a later change is refused,
and a dry run stores and sends nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from edusync.demo import data
from edusync.errors import RevertRefused
from edusync.pipeline.gate import approvals
from edusync.services import revert as reverting
from edusync.storage import tables
from tests.pipeline.reverting.helpers import delete_30_percent, recorded, replay
from tests.workspace import Workspace


def _rows(ws: Workspace, table: object) -> int:
    with ws.db.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _revert(ws: Workspace, run_id: int, **kw: object) -> int:
    [plan] = reverting.preview(ws.db, run_id, "lms")
    outcome = reverting.revert(ws.loaded, ws.db, run_id, target="lms", expect=plan["hash"][:12], **kw)  # type: ignore[arg-type]
    assert outcome.status == "done", (outcome.report.errors, outcome.block)
    return outcome.run_id


def test_a_run_that_deleted_30_percent_of_a_school_is_undone_and_held(workspace: Workspace) -> None:
    ws = workspace
    ws.run()
    before, content = recorded(ws, "lms"), replay(ws.out_lines())
    run_id, gone = delete_30_percent(ws)
    assert replay(ws.out_lines()) != content
    _revert(ws, run_id, hold=True)
    assert recorded(ws, "lms") == before
    assert replay(ws.out_lines()) == content
    held = reverting.list_holds(ws.db)
    assert {h["mv_id"] for h in held if h["object_type"] == "person"} and all(h["reverted_run"] == run_id for h in held)
    # The source still lacks them: the next run plans nothing for what is held, and says so.
    sent = len(ws.out_lines())
    nxt = ws.run(day=2)
    assert nxt.status == "done"
    assert len(ws.out_lines()) == sent
    report = ws.run_info(nxt.run_id)
    assert report["counts"]["holds"]["lms/person"]["held"] == len(gone)
    assert any("held by a revert" in w for w in report["warnings"])
    # Released, the next run takes them up again and deletes them, although the metaverse did not change.
    assert reverting.release(ws.db, "rektor@fylke.no", every=True) == len(held)
    again = ws.run(day=3)
    if again.status == "blocked":  # the same 30 % as the first time: the gate asks again
        assert again.block is not None
        approvals.approve(ws.db, again.run_id, "rektor@fylke.no", expect=again.block["hash"])
        again = ws.resume(again.run_id)
    assert again.status == "done", again.report.errors
    redone = [c for c in ws.out_lines()[sent:] if c["object_type"] == "person" and c["op"] == "delete"]
    assert len(redone) == len(gone)
    assert _rows(ws, tables.holds) == 0
    with ws.db.begin() as conn:
        actions = [r[0] for r in conn.execute(select(tables.audit_log.c.action).order_by(tables.audit_log.c.id))]
    assert "hold" in actions and "release" in actions


def test_an_object_changed_again_later_is_refused_or_skipped(workspace: Workspace) -> None:
    ws = workspace
    ws.run()
    run_id, gone = delete_30_percent(ws)
    # One of the deleted pupils comes back in the source: the next run restores them at the target.
    pupil = sorted(gone)[0]
    ws.county.persons = ws.county.persons + [p for p in data.generate("demo", 5).persons if p[0] == pupil]
    later = ws.run(day=2)
    assert later.status == "done", later.report.errors
    runs_before = _rows(ws, tables.runs)
    with pytest.raises(RevertRefused) as refused:
        reverting.revert(ws.loaded, ws.db, run_id, target="lms", expect="0" * 12)
    assert [r["reason"] for r in refused.value.refused] == [f"changed again since: run {later.run_id}: restore"]
    assert _rows(ws, tables.runs) == runs_before, "a refused revert starts no run"
    [plan] = reverting.preview(ws.db, run_id, "lms")
    key = ("person", plan["refused"][0]["key"])
    before = recorded(ws, "lms")
    done = _revert(ws, run_id, only_untouched=True)
    after = recorded(ws, "lms")
    assert after[key] == before[key], "the later change was not overwritten"
    restored = sum(n for ot, ops in plan["counts"].items() for n in ops.values())
    assert restored > 0
    report = ws.run_info(done)
    assert report["counts"]["revert"]["lms/revert"]["skipped"] == 1
    assert any("not reverted: changed again since" in w for w in report["warnings"])


def test_a_dry_run_stores_and_sends_nothing(workspace: Workspace) -> None:
    ws = workspace
    ws.run()
    run_id, _ = delete_30_percent(ws)
    counts = (_rows(ws, tables.runs), _rows(ws, tables.change_sets), _rows(ws, tables.changes), len(ws.out_lines()))
    [plan] = reverting.preview(ws.db, run_id, "lms")
    assert plan["counts"]["person"]["restore"] > 0 and len(plan["hash"]) == 32
    assert (
        _rows(ws, tables.runs),
        _rows(ws, tables.change_sets),
        _rows(ws, tables.changes),
        len(ws.out_lines()),
    ) == counts
