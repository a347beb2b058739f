"""A run that deletes 30 % of one school, approved and sent; what a target holds, as edusync recorded it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from edusync.pipeline.gate import approvals
from edusync.storage import tables
from tests.workspace import Workspace


def school_pupils(ws: Workspace) -> list[list[str]]:
    """The pupils of the school with the most of them."""
    pupils = ws.pupils()
    schools: dict[str, list[list[str]]] = {}
    for p in pupils:
        schools.setdefault(p[7], []).append(p)
    return max(schools.values(), key=len)


def delete_30_percent(ws: Workspace, day: int = 1) -> tuple[int, set[str]]:
    """Remove 30 % of one school's pupils from the source; the run blocks, is approved and sent."""
    ws.configure(safety={"input": {"max_loss_percent": 100, "max_drift_percent": None}})
    pupils = school_pupils(ws)
    gone = {p[0] for p in pupils[: int(len(pupils) * 0.3)]}
    ws.remove_persons(gone)
    outcome = ws.run(day=day)
    if outcome.status == "blocked":
        assert outcome.block is not None
        approvals.approve(ws.db, outcome.run_id, "rektor@fylke.no", expect=outcome.block["hash"])
        outcome = ws.resume(outcome.run_id)
    assert outcome.status == "done", outcome.report.errors
    return outcome.run_id, gone


def recorded(ws: Workspace, target: str) -> dict[tuple[str, str], tuple[str, str]]:
    """What edusync recorded the target holds: (type, key) → (state, hash)."""
    to = tables.target_objects
    with ws.db.begin() as conn:
        rows = conn.execute(select(to.c.object_type, to.c.key, to.c.state, to.c.hash).where(to.c.target == target))
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def replay(lines: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """The files target's content: its change lines applied in order (a soft delete keeps a tombstone)."""
    state: dict[tuple[str, str], Any] = {}
    for line in lines:
        k = (line["object_type"], line["key"])
        if line["op"] == "delete":
            if line["soft"]:
                state[k] = ("deleted", line["attrs"])
            else:
                state.pop(k, None)
        elif line["op"] != "forget":
            state[k] = ("present", line["attrs"])
    return state
