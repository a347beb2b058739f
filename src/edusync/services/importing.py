"""Import: read a source into its connector space, one transaction per connector.

A full import is the whole truth: objects it does not deliver are marked gone, but
only after the input sanity check has passed. Nothing is staged from an import that
fails or blocks; unchanged objects cost one hash compare.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update

from edusync.connectors.base import Capability, Connector
from edusync.errors import SourceError
from edusync.model.hashing import content_hash, dumps, text_hash
from edusync.services.blocking import StepBlocked
from edusync.services.connectors import open_connector, source_types
from edusync.services.context import RunContext
from edusync.storage import tables as t

FLUSH = 20_000


def import_step(ctx: RunContext, name: str, *, delta: bool, approved: set[str]) -> None:
    connector = open_connector(ctx, name)
    staged: list[tuple[str, dict[str, int]]] = []
    try:
        with ctx.db.begin() as conn:
            for object_type in source_types(ctx, connector):
                use_delta = delta and connector.supports(Capability.DELTA_IMPORT)
                staged.append(_import_type(ctx, conn, connector, object_type, use_delta, approved))
    finally:
        connector.close()
    # Counted only once committed: a blocked or failed import staged nothing.
    for subject, counts in staged:
        for what, n in counts.items():
            ctx.report.add("import", subject, what, n)


def _watermark(conn: Connection, connector: str, object_type: str) -> str | None:
    row = conn.execute(
        select(t.watermarks.c.value).where(
            t.watermarks.c.connector == connector, t.watermarks.c.object_type == object_type
        )
    ).first()
    return None if row is None else str(row[0])


def _import_type(
    ctx: RunContext, conn: Connection, connector: Connector, object_type: str, delta: bool, approved: set[str]
) -> tuple[str, dict[str, int]]:
    cs = t.cs_objects
    where = and_(cs.c.connector == connector.name, cs.c.object_type == object_type)
    existing: dict[str, tuple[str, str]] = {
        a: (h, s) for a, h, s in conn.execute(select(cs.c.anchor, cs.c.hash, cs.c.state).where(where))
    }
    since = _watermark(conn, connector.name, object_type) if delta else None
    stream = connector.import_objects(object_type, since=since)
    subject = f"{connector.name}/{object_type}"
    seen: set[str] = set()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    unchanged = added = changed = 0
    label = f"import {subject}"
    for record in stream:
        anchor = record.anchor
        if not anchor or not isinstance(anchor, str):
            raise SourceError(f"{subject}: a record has an empty anchor")
        if anchor in seen:
            raise SourceError(f"{subject}: duplicate anchor {anchor!r} in one import")
        seen.add(anchor)
        digest = content_hash(record.attrs)
        old = existing.get(anchor)
        if old is not None and old[0] == digest and old[1] == "present":
            unchanged += 1
        else:
            row = {
                "connector": connector.name,
                "object_type": object_type,
                "anchor": anchor,
                "hash": digest,
                "attrs": dumps(record.attrs),
                "state": "present",
                "dirty": True,
                "seen_run": ctx.run_id,
                "changed_run": ctx.run_id,
            }
            if old is None:
                added += 1
                inserts.append(row)
            else:
                changed += 1
                updates.append(row)
            if len(inserts) + len(updates) >= FLUSH:
                _flush(conn, inserts, updates)
        if len(seen) % FLUSH == 0:
            ctx.progress(label, len(seen), stream.total)
    _flush(conn, inserts, updates)
    gone: list[str] = []
    if not delta:
        gone = [a for a, (_, s) in existing.items() if s == "present" and a not in seen]
        _sanity_check(ctx, connector.name, object_type, existing, len(seen), gone, approved)
        _mark_gone(conn, ctx, connector.name, object_type, gone)
    if stream.watermark is not None:
        ctx.db.upsert(
            conn,
            t.watermarks,
            [
                {
                    "connector": connector.name,
                    "object_type": object_type,
                    "value": stream.watermark,
                    "run_id": ctx.run_id,
                }
            ],
            ["connector", "object_type"],
        )
    ctx.progress(label, len(seen), len(seen))
    counts = {
        "seen": len(seen),
        "added": added,
        "changed": changed,
        "unchanged": unchanged,
        "gone": len(gone),
    }
    return subject, counts


def _flush(conn: Connection, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]) -> None:
    cs = t.cs_objects
    if inserts:
        conn.execute(cs.insert(), inserts)
        inserts.clear()
    if updates:
        stmt = (
            update(cs)
            .where(
                cs.c.connector == bindparam("b_connector"),
                cs.c.object_type == bindparam("b_object_type"),
                cs.c.anchor == bindparam("b_anchor"),
            )
            .values(
                hash=bindparam("hash"),
                attrs=bindparam("attrs"),
                state="present",
                dirty=True,
                seen_run=bindparam("seen_run"),
                changed_run=bindparam("changed_run"),
            )
        )
        conn.execute(
            stmt,
            [
                {
                    "b_connector": r["connector"],
                    "b_object_type": r["object_type"],
                    "b_anchor": r["anchor"],
                    "hash": r["hash"],
                    "attrs": r["attrs"],
                    "seen_run": r["seen_run"],
                    "changed_run": r["changed_run"],
                }
                for r in updates
            ],
        )
        updates.clear()


def _mark_gone(conn: Connection, ctx: RunContext, connector: str, object_type: str, gone: list[str]) -> None:
    if not gone:
        return
    cs = t.cs_objects
    stmt = (
        update(cs)
        .where(
            cs.c.connector == connector, cs.c.object_type == object_type, cs.c.anchor == bindparam("b_anchor")
        )
        .values(state="gone", dirty=True, changed_run=ctx.run_id)
    )
    for i in range(0, len(gone), FLUSH):
        conn.execute(stmt, [{"b_anchor": a} for a in gone[i : i + FLUSH]])


def _sanity_check(
    ctx: RunContext,
    connector: str,
    object_type: str,
    existing: dict[str, tuple[str, str]],
    seen: int,
    gone: list[str],
    approved: set[str],
) -> None:
    """Block before anything is planned as gone when a full import looks broken."""
    before = sum(1 for _, s in existing.values() if s == "present")
    if before == 0 or not gone:
        return
    policy = ctx.config.safety.input
    limit = ctx.config.object_options(connector, object_type).max_loss_percent
    limit = policy.max_loss_percent if limit is None else limit
    lost_pct = 100.0 * len(gone) / before
    reasons = []
    if seen == 0 and policy.block_empty:
        reasons.append(f"{connector}/{object_type}: the full import is empty (had {before} objects)")
    elif lost_pct > limit:
        reasons.append(
            f"{connector}/{object_type}: the full import lost {len(gone)} of {before} objects "
            f"({lost_pct:.1f} % > limit {limit:g} %)"
        )
    if not reasons:
        return
    digest = text_hash(connector, object_type, *sorted(gone))
    if digest in approved:
        ctx.report.warnings.append(reasons[0] + " (approved)")
        return
    detail = {
        "connector": connector,
        "object_type": object_type,
        "before": before,
        "seen": seen,
        "lost": len(gone),
    }
    raise StepBlocked("input", reasons, digest, detail)
