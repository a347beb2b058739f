"""The first load of a metaverse type: project every staged object straight to rows.

When no object of a rule's metaverse type exists yet and the rule has no join
rules, every present object that passes the criteria becomes a new object with one
source, and nothing needs to be looked up, merged or compared. This path writes the
same rows the general path would (``tests/services/test_bulk_sync.py`` checks that),
at a fraction of the cost, which is what makes onboarding a whole county fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection

from edusync.engine.flows import Unresolved
from edusync.model.hashing import bytes_hash, loads
from edusync.services.mvstore import INSERT_COLUMNS
from edusync.storage import tables as t

if TYPE_CHECKING:
    from edusync.services.syncing import Compiled, SyncStep

ACTIVE = b"active"
DEFERRED = ("ix_mv_person", "ix_mv_group", "ix_mv_changed")


def applies(step: SyncStep, conn: Connection, compiled: Compiled) -> bool:
    rule = compiled.rule
    if rule.join or not rule.project or rule.metaverse_type in step.joins.names:
        return False  # this path neither joins nor writes the join keys other rules look for
    return not step.ctx.db.fetch(conn, "SELECT 1 FROM mv_objects WHERE object_type = ? LIMIT 1", (rule.metaverse_type,))


def project_page(step: SyncStep, compiled: Compiled, conn: Connection, rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Insert the page's new objects; return the (mv_id, dirty, cs id) link updates."""
    from edusync.services.syncing import mv_id_for

    ctx, rule = step.ctx, compiled.rule
    subject = f"{rule.connector}/{rule.object_type}"
    resolve = step.resolver(conn, rule.connector)
    criteria, apply, rules = compiled.criteria, compiled.flows.apply, ctx.rules
    run_id, stamp, mv_type = ctx.run_id, ctx.stamp, rule.metaverse_type
    membership = mv_type == "membership"
    inserts: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    filtered = 0
    for cs_id, anchor, attrs_text, state, _linked in rows:
        attrs = loads(attrs_text)
        if state != "present" or not criteria(attrs, rules):
            filtered += state == "present"
            links.append((None, False, cs_id))
            continue
        chosen: dict[str, int] = {}
        try:
            values = apply(attrs, rules, resolve, chosen)
        except Unresolved as exc:
            step.unresolved(anchor, exc)
            continue  # stays dirty, as in the general path
        mv_id = mv_id_for(mv_type, rule.connector, rule.object_type, anchor)
        attrs_b = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
        sources_b = orjson.dumps([[rule.connector, rule.object_type, anchor]])
        lineage = orjson.dumps({k: [0, run_id, chosen[k]] for k in values}, option=orjson.OPT_SORT_KEYS).decode()
        person = values.get("person") if membership else None
        group = values.get("group") if membership else None
        inserts.append(
            (
                mv_id,
                mv_type,
                "active",
                stamp,
                attrs_b.decode(),
                lineage,
                sources_b.decode(),
                bytes_hash(attrs_b, sources_b, ACTIVE),
                run_id,
                run_id,
                person if isinstance(person, str) else None,
                group if isinstance(group, str) else None,
            )
        )
        links.append((mv_id, False, cs_id))
    ctx.db.insert(conn, t.mv_objects, INSERT_COLUMNS, inserts)
    ctx.report.add("sync", subject, "projected", len(inserts))
    ctx.report.add("sync", subject, "filtered", filtered)
    return links
