"""The first load of a metaverse type: project every staged object straight to rows.

When no object of a rule's metaverse type exists yet and the rule has no join
rules, every present object that passes the criteria becomes a new object with one
source, and nothing needs to be looked up, merged or compared. This path writes the
same rows the general path would (``tests/pipeline/syncing/test_bulk.py`` checks that),
at a fraction of the cost, which is what makes onboarding a whole county fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection

from edusync.engine.flows import Unresolved
from edusync.model.hashing import bytes_hash, loads
from edusync.pipeline.syncing import store
from edusync.pipeline.syncing.lookups import Lookups
from edusync.pipeline.syncing.page import SyncPage
from edusync.pipeline.syncing.rule import CompiledRule
from edusync.storage.metaverse import insert_rows

ACTIVE = b"active"


def applies(lookups: Lookups, conn: Connection, compiled: CompiledRule) -> str | None:
    """Which projection path a rule's dirty rows take.

    ``"empty"``: the metaverse type has no object yet, so its indexes can be dropped for the
    load; ``"fresh"``: it has objects, but none of this rule's yet (the org-unit memberships
    after the group memberships), so each page only checks that its new ids are free;
    ``None``: the general path.
    """
    rule = compiled.rule
    if rule.join or not rule.project or rule.metaverse_type in lookups.joins.names:
        return None  # this path neither joins nor writes the join keys other rules look for
    db = lookups.ctx.db
    if store.type_is_empty(db, conn, rule.metaverse_type):
        return "empty"
    return None if store.any_linked(db, conn, rule.connector, rule.object_type) else "fresh"


def project_page(
    lookups: Lookups, compiled: CompiledRule, conn: Connection, rows: Sequence[Any], *, check: bool
) -> list[tuple[Any, ...]]:
    """Insert the page's new objects; return the (mv_id, dirty, cs id) link updates.

    With ``check``, a row already linked, or whose projected id is taken (an object of an
    earlier life of this key), goes through the general path instead.
    """
    if check:
        ids = [compiled.project_id(r[1]) for r in rows]
        taken = store.taken(lookups.ctx.db, conn, ids)
        general = [r for r, mv_id in zip(rows, ids, strict=True) if r[4] or mv_id in taken]
        if general:
            SyncPage(lookups, compiled, conn).process(general)
            skip = {r[0] for r in general}
            rows = [r for r in rows if r[0] not in skip]
    ctx, rule = lookups.ctx, compiled.rule
    subject = compiled.subject
    resolve = lookups.resolver(conn, rule.connector)
    criteria, apply, rules = compiled.criteria, compiled.flows.apply, ctx.rules
    run_id, stamp, mv_type = ctx.run_id, ctx.stamp, rule.metaverse_type
    membership = mv_type == "membership"
    inserts: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    filtered = 0
    refused: list[str] = []
    for cs_id, anchor, attrs_text, state, _linked in rows:
        attrs = loads(attrs_text)
        if state != "present" or not criteria(attrs, rules):
            filtered += state == "present"
            links.append((None, False, cs_id))
            continue
        chosen: dict[str, int] = {}
        try:
            values = apply(attrs, rules, resolve, chosen, refused)
            if refused:
                lookups.refused_values(subject, anchor, refused)
                refused = []
        except Unresolved as exc:
            lookups.unresolved_row(anchor, exc)
            continue  # stays dirty, as in the general path
        mv_id = compiled.project_id(anchor)
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
    insert_rows(ctx.db, conn, inserts)
    ctx.report.add("sync", subject, "projected", len(inserts))
    ctx.report.add("sync", subject, "filtered", filtered)
    return links
