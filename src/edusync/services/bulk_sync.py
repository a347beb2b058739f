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
LINKED = "SELECT 1 FROM cs_objects WHERE connector = ? AND object_type = ? AND mv_id IS NOT NULL LIMIT 1"


def applies(step: SyncStep, conn: Connection, compiled: Compiled) -> str | None:
    """Which projection path a rule's dirty rows take.

    ``"empty"``: the metaverse type has no object yet, so its indexes can be dropped for the
    load; ``"fresh"``: it has objects, but none of this rule's yet (the org-unit memberships
    after the group memberships), so each page only checks that its new ids are free;
    ``None``: the general path.
    """
    rule = compiled.rule
    if rule.join or not rule.project or rule.metaverse_type in step.joins.names:
        return None  # this path neither joins nor writes the join keys other rules look for
    db = step.ctx.db
    if not db.fetch(conn, "SELECT 1 FROM mv_objects WHERE object_type = ? LIMIT 1", (rule.metaverse_type,)):
        return "empty"
    linked = db.fetch(conn, LINKED, (rule.connector, rule.object_type))
    return None if linked else "fresh"


def project_page(
    step: SyncStep, compiled: Compiled, conn: Connection, rows: Sequence[Any], *, check: bool
) -> list[tuple[Any, ...]]:
    """Insert the page's new objects; return the (mv_id, dirty, cs id) link updates.

    With ``check``, a row already linked, or whose projected id is taken (an object of an
    earlier life of this key), goes through the general path instead.
    """
    from edusync.services.syncing import GeneralPage, mv_id_for

    if check:
        rule = compiled.rule
        ids = [mv_id_for(rule.metaverse_type, rule.connector, rule.object_type, r[1]) for r in rows]
        taken = {r[0] for r in step.ctx.db.fetch_in(conn, "SELECT id FROM mv_objects WHERE id IN ({marks})", (), ids)}
        general = [r for r, mv_id in zip(rows, ids, strict=True) if r[4] or mv_id in taken]
        if general:
            GeneralPage(step, compiled, conn).process(general)
            skip = {r[0] for r in general}
            rows = [r for r in rows if r[0] not in skip]
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
