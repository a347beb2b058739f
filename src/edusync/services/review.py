"""A blocked run as an approver reviews it, and the decision, from the console.

The rules of an approval (the hash, a known actor, a replaced change set) are the gate's own
(:mod:`edusync.pipeline.gate.approvals`, through :mod:`edusync.services.runs`); the console adds
only four-eyes: an approver may not approve a change set their own action caused.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from typing import Any

from sqlalchemy import select

from edusync.errors import FourEyesRefused, ReasonMissing
from edusync.model.hashing import loads
from edusync.services import browse
from edusync.services import runs as run_service
from edusync.storage import Database, tables

#: Actions that make the next run's change set: whoever did one caused it.
CAUSING = ("run-start", "retry", "restore")
SAMPLE = 10


def causers(db: Database, run_id: int) -> set[str]:
    """Who caused run ``run_id``'s changes: who started or retried it, and who restored an object since the
    run before it started."""
    r, au = tables.runs, tables.audit_log
    with db.begin() as conn:
        row = conn.execute(select(r.c.started_at, r.c.profile).where(r.c.id == run_id)).first()
        if row is None:
            return set()
        prev = conn.execute(
            select(r.c.started_at).where(r.c.id < run_id, r.c.profile == row.profile).order_by(r.c.id.desc()).limit(1)
        ).scalar()
        own = conn.execute(select(au.c.actor).where(au.c.run_id == run_id, au.c.action.in_(CAUSING))).scalars()
        q = select(au.c.actor).where(au.c.action.in_(CAUSING), au.c.at <= row.started_at)
        if prev is not None:
            q = q.where(au.c.at >= prev)
        return set(own) | set(conn.execute(q).scalars())


def check_four_eyes(db: Database, run_id: int, actor: str) -> None:
    if actor in causers(db, run_id):
        raise FourEyesRefused(run_id, actor)


def approve(db: Database, run_id: int, actor: str, expect: str | None, reason: str, *, four_eyes: bool) -> Any:
    """Record the approval (the gate's rules); the caller resumes the run."""
    if not reason.strip():
        raise ReasonMissing(run_id, "approve")
    if four_eyes:
        check_four_eyes(db, run_id, actor)
    return run_service.approve(db, run_id, actor, expect, reason.strip())


def reject(db: Database, run_id: int, actor: str, reason: str) -> Any:
    if not reason.strip():
        raise ReasonMissing(run_id, "reject")
    return run_service.reject(db, run_id, actor, reason.strip())


def review(db: Database, run_id: int) -> dict[str, Any]:
    """What blocked the run, its planned changes grouped by school and object type, and a sample of each."""
    run = browse.get_run(db, run_id)
    block = run["block"] or {}
    cs_id = block.get("change_set_id")
    out: dict[str, Any] = {
        "run": {k: run[k] for k in ("id", "profile", "status", "started_at", "clock")},
        "kind": block.get("kind"),
        "reasons": block.get("reasons", []),
        "hash": block.get("hash"),
        "approved": bool(block.get("approved")),
        "target": block.get("target"),
        "change_set_id": cs_id,
        "waits_for_decision": run["status"] == "blocked" and not block.get("approved"),
        "groups": [],
        "samples": {},
        "counts": {},
        "before": {},
    }
    if cs_id is None:
        return out
    cs = next((c for c in run["change_sets"] if c["id"] == cs_id), None)
    if cs is not None:
        out["counts"], out["before"] = cs["counts"], cs["before"]
    out["groups"] = by_school(db, cs_id, str(block.get("hash") or ""))
    for op in ("delete", "update"):
        out["samples"][op] = browse.list_changes(db, run_id, cs_id, op=op, limit=SAMPLE).items
    return out


#: Change set (database, id, hash) → its tally by school. A planned change set's rows never change (its hash
#: is over them), and the tally reads every delete and update (hundreds of thousands on a broken night), so
#: it is made once per process, under a lock, however many approvers open the page at once.
_TALLIES: OrderedDict[tuple[str, int, str], list[dict[str, Any]]] = OrderedDict()
_TALLY_LOCK = threading.Lock()
KEEP_TALLIES = 8


def by_school(db: Database, cs_id: int, digest: str) -> list[dict[str, Any]]:
    key = (str(db.engine.url), cs_id, digest)
    with _TALLY_LOCK:
        if key not in _TALLIES:
            _TALLIES[key] = _by_school(db, cs_id)
            while len(_TALLIES) > KEEP_TALLIES:
                _TALLIES.popitem(last=False)
        _TALLIES.move_to_end(key)
        return _TALLIES[key]


def _by_school(db: Database, cs_id: int) -> list[dict[str, Any]]:
    """Planned deletes and updates per (school, object type); a membership's school is its group's."""
    ch, mv = tables.changes, tables.mv_objects
    tally: Counter[tuple[str, str, str]] = Counter()
    group_school: dict[str, str] = {}
    with db.begin() as conn:
        q = select(ch.c.object_type, ch.c.op, ch.c.attrs, ch.c.mv_id).where(
            ch.c.change_set_id == cs_id, ch.c.op.in_(("delete", "update"))
        )
        memberships: list[tuple[str, str | None]] = []
        for object_type, op, attrs, mv_id in conn.execute(q):
            if object_type == "membership":
                memberships.append((op, mv_id))
                continue
            tally[(str(loads(attrs).get("school") or ""), object_type, op)] += 1
        ids = [m for _, m in memberships if m]
        groups: dict[str, str] = {}
        for i in range(0, len(ids), 1000):
            q2 = select(mv.c.id, mv.c.group_id).where(mv.c.id.in_(ids[i : i + 1000]))
            groups.update({a: b for a, b in conn.execute(q2) if b})
        wanted = sorted(set(groups.values()))
        for i in range(0, len(wanted), 1000):
            for gid, attrs in conn.execute(select(mv.c.id, mv.c.attrs).where(mv.c.id.in_(wanted[i : i + 1000]))):
                group_school[gid] = str(loads(attrs).get("school") or "")
        schools = _school_names(conn, {s for s, _, _ in tally} | set(group_school.values()))
    for op, mv_id in memberships:
        tally[(group_school.get(groups.get(mv_id or "", ""), ""), "membership", op)] += 1
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for (school, object_type, op), n in tally.items():
        row = rows.setdefault(
            (school, object_type),
            {"school": school, "school_name": schools.get(school, school), "object_type": object_type},
        )
        row[op] = n
    return sorted(rows.values(), key=lambda r: (r["school_name"], r["object_type"]))


def _school_names(conn: Any, ids: set[str]) -> dict[str, str]:
    mv = tables.mv_objects
    ids.discard("")
    if not ids:
        return {}
    out = {}
    for mv_id, attrs in conn.execute(select(mv.c.id, mv.c.attrs).where(mv.c.id.in_(sorted(ids)))):
        a = loads(attrs)
        out[mv_id] = str(a.get("displayName") or a.get("name") or mv_id)
    return out
