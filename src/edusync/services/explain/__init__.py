"""``edusync explain``: one object traced through every stage, and why it stands where it does.

Gathers what each stage recorded (the source records and the sync rule's criteria on each, the
join or projection, the lifecycle state, per target the scope, what was last sent and what waits
or failed) and, for persons, asks the FINT source itself (:mod:`.sources`). The judgement is the
engine's (:mod:`edusync.engine.explain`, :mod:`edusync.engine.vigobas_trace`); this package only
reads. An object the metaverse lacks is looked for in the connector space (:mod:`.staged`).
Every national id in an answer is masked; one typed as the key is never echoed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select

from edusync import vault
from edusync.config.loader import LoadedConfig
from edusync.config.models import Config
from edusync.engine import explain as judge
from edusync.errors import NotFound
from edusync.model.fnr import mask, mask_text, mask_values
from edusync.model.hashing import loads
from edusync.model.verdicts import Verdict
from edusync.pipeline.syncing.rule import mv_id_for
from edusync.rules import RuleContext
from edusync.services import lookup
from edusync.services.explain.sources import trace_sources
from edusync.services.explain.staged import number_of, staged
from edusync.services.explain.targets import explain_targets
from edusync.storage import Database, tables
from edusync.storage.audit import audit

TYPES = ("person", "group", "membership")

__all__ = ["TYPES", "explain"]


def _record(config: Config, row: Any, mv_id: str | None, object_type: str, ctx: RuleContext) -> dict[str, Any]:
    """One staged source record: its sync rule's criteria, and how it reached (or did not reach) the object."""
    rule = next((r for r in config.sync if (r.connector, r.object_type) == (row.connector, row.object_type)), None)
    attrs = vault.current().unseal(loads(row.attrs))
    verdicts = judge.conditions(rule.criteria if rule else [], attrs, ctx, "criteria")
    if row.state == "gone":
        verdicts.append(Verdict("present", False, f"gone from {row.connector} since run {row.changed_run}"))
    if mv_id is None:
        link = "not linked to any object: " + (
            "it fails its criteria" if not all(verdicts) else "it waits for the next sync"
        )
    elif rule is not None and mv_id == mv_id_for(object_type, row.connector, row.object_type, row.anchor):
        link = "projected: this record made the object"
    else:
        matches = ", ".join(f"{a} = {b}" for j in (rule.join if rule else []) for a, b in j.match.items())
        link = f"joined to an existing object ({matches or 'by a join rule'})"
    return {
        "connector": row.connector,
        "object_type": row.object_type,
        "anchor": mask_text(row.anchor),
        "state": row.state,
        "seen_run": row.seen_run,
        "changed_run": row.changed_run,
        "verdicts": [v.as_dict() for v in verdicts],
        "link": link,
    }


def _left(conn: Connection, config: Config, row: Any) -> list[Any]:
    """The records that made this object and have gone since: unlinked, they keep it as their derived id."""
    cs = tables.cs_objects
    out = []
    for rule in config.sync:
        if rule.metaverse_type != row.object_type:
            continue
        q = select(cs).where(cs.c.connector == rule.connector, cs.c.object_type == rule.object_type)
        for r in conn.execute(q.where(cs.c.state == "gone", cs.c.mv_id.is_(None)).order_by(cs.c.id)):
            if mv_id_for(row.object_type, r.connector, r.object_type, r.anchor) == row.id:
                out.append(r)
    return out


def _object(conn: Connection, config: Config, object_type: str, key: str) -> Any | None:
    try:
        return lookup.find_one(conn, config, object_type, key)
    except NotFound:
        return None


def explain(
    db: Database,
    loaded: LoadedConfig,
    object_type: str,
    key: str,
    *,
    target: str | None = None,
    read_source: bool = True,
    now: dt.datetime | None = None,
    actor: str = "cli",
) -> dict[str, Any]:
    """Everything that decides where ``key``'s object stands, as plain data (the CLI and console render it)."""
    config = loaded.config
    if object_type not in TYPES:
        raise NotFound(f"explain takes {', '.join(TYPES)}, not {object_type!r}")
    if target is not None and target not in config.targets:
        raise NotFound(f"no target {target!r} (the config has {', '.join(config.targets) or 'none'})")
    now = now or dt.datetime.now(dt.UTC)
    ctx = RuleContext(today=now.date())
    number = number_of(key)
    shown_key = mask(number) if number else mask_text(key)
    # The source first: a key FINT knows (a skoleressurs id) may name a person by another anchor.
    reads: dict[str, Any] = {}
    traced = trace_sources(loaded, object_type, [key], now, reads) if read_source else []
    cs = tables.cs_objects
    with db.begin() as conn:
        if number is not None:
            audit(conn, actor, "national-id-search", None, None, national_id=mask(number), via="explain")
        row = _object(conn, config, object_type, key)
        for path in (p for t in traced for p in t["paths"]):
            row = row or _object(conn, config, object_type, path)
        mv: dict[str, Any] | None = None
        if row is not None:
            mv = {"id": row.id, "type": row.object_type, "state": row.state, "since": row.state_since,
                  "attrs": vault.current().unseal(loads(row.attrs))}  # fmt: skip
            records = [
                *conn.execute(select(cs).where(cs.c.mv_id == row.id).order_by(cs.c.id)),
                *_left(conn, config, row),
            ]
        else:
            records = list(staged(conn, config, object_type, key))
        owner = row.id if row is not None else None
        sources = [_record(config, r, r.mv_id or owner, object_type, ctx) for r in records]
        targets = explain_targets(conn, config, mv, ctx, target)
    known = {p for t in traced for p in t["paths"]}
    more = [r.anchor for r in records if r.anchor not in known]
    if read_source and more and not any(t["roles"] for t in traced):  # the anchors find the roles the key did not
        traced = trace_sources(loaded, object_type, more, now, reads)
    out: dict[str, Any] = {"type": object_type, "key": shown_key, "found": mv is not None, "sources": sources,
                           "source_trace": traced, "targets": targets}  # fmt: skip
    if mv is not None:
        out |= {
            "id": mv["id"],
            "name": mask_text(lookup.name_of(mv["attrs"])),
            "attributes": mask_values(mv["attrs"]),
            "lifecycle": judge.lifecycle(mv["state"], mv["since"], config.lifecycle_for(object_type)).as_dict(),
        }
    out["summary"] = judge.summary(out)
    return out
