"""Per target: the provisioning scope's verdicts, what was last sent and when, what waits or failed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from edusync import vault
from edusync.config.models import Config
from edusync.engine import explain as judge
from edusync.model.fnr import mask_text, mask_values
from edusync.model.hashing import loads
from edusync.rules import RuleContext
from edusync.storage import tables

#: How many of an object's latest changes per target the answer lists.
RECENT = 5
#: Change sets whose pending changes will still be sent (or wait for a decision).
OPEN_SETS = ("planned", "preview", "blocked", "approved", "partial", "planning")


def _when(conn: Connection, run_id: int | None) -> str | None:
    if not run_id:
        return None
    r = tables.runs
    row = conn.execute(select(r.c.finished_at, r.c.started_at).where(r.c.id == run_id)).first()
    return None if row is None else (row.finished_at or row.started_at)


def _sent(conn: Connection, target: str, object_type: str, mv_id: str) -> dict[str, Any] | None:
    to = tables.target_objects
    row = conn.execute(
        select(to)
        .where(to.c.target == target, to.c.object_type == object_type, to.c.mv_id == mv_id)
        .order_by(to.c.run_id.desc())
    ).first()
    if row is None:
        return None
    return {
        "key": mask_text(row.key),
        "state": row.state,
        "run": row.run_id,
        "at": _when(conn, row.run_id),
        "values": mask_values(vault.current().unseal(loads(row.attrs))),
    }


def _changes(conn: Connection, target: str, object_type: str, mv_id: str) -> list[dict[str, Any]]:
    ch, cst = tables.changes, tables.change_sets
    rows = conn.execute(
        select(ch.c.op, ch.c.status, ch.c.error, ch.c.attempts, cst.c.run_id, cst.c.status.label("set_status"))
        .join(cst, cst.c.id == ch.c.change_set_id)
        .where(cst.c.target == target, ch.c.object_type == object_type, ch.c.mv_id == mv_id)
        .order_by(ch.c.id.desc())
        .limit(RECENT)
    ).all()
    return [
        {
            "op": r.op,
            "status": r.status,
            "set_status": r.set_status,
            "run": r.run_id,
            "attempts": r.attempts,
            "error": mask_text(r.error) if r.error else None,
        }
        for r in rows
    ]


def explain_targets(
    conn: Connection, config: Config, mv: dict[str, Any] | None, ctx: RuleContext, only: str | None
) -> list[dict[str, Any]]:
    """Each target (or ``only``) that takes this object type, with its scope's verdicts and its record."""
    out: list[dict[str, Any]] = []
    object_type = mv["type"] if mv else None
    for name, tcfg in config.targets.items():
        if only is not None and name != only:
            continue
        for rule in tcfg.objects:
            if rule.metaverse_type != object_type or mv is None:
                continue
            verdicts = judge.conditions(rule.scope, mv["attrs"], ctx, "scope")
            verdicts.append(judge.states(mv["state"], [s.value for s in rule.states], name))
            changes = _changes(conn, name, rule.object_type, mv["id"])
            failed = [c for c in changes[:1] if c["status"] == "failed"]
            pending = [c for c in changes[:1] if c["status"] == "pending" and c["set_status"] in OPEN_SETS]
            last = next((c for c in changes if c["status"] == "done"), None)
            entry: dict[str, Any] = {
                "target": name,
                "object_type": rule.object_type,
                "verdicts": [v.as_dict() for v in verdicts],
                "in_scope": all(v.passed for v in verdicts),
                "sent": _sent(conn, name, rule.object_type, mv["id"]),
                "last_done": None if last is None else last | {"at": _when(conn, last["run"])},
                "pending": pending,
                "failed": failed,
                "changes": changes,
            }
            entry["stand"] = judge.stand(entry)
            out.append(entry)
    return out
