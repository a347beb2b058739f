"""Finding persons and groups, and one object's page: attributes, memberships, targets and history.

Search matches a metaverse id, a source anchor (in full or its last segment), another identifier's
value in the object or its source objects (:func:`edusync.services.lookup.identifier_ids`), or a part
of a name, Feide name, e-mail or school. A fødselsnummer is never searched here (the attributes are
masked in every answer); ``edusync show`` finds one through its keyed hash.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, column, func, literal, or_, select, table, union

from edusync import vault
from edusync.config.models import Config
from edusync.model.fnr import mask_values
from edusync.model.hashing import loads
from edusync.services import lookup, objects
from edusync.services.lookup import name_of
from edusync.services.paging import BadQuery, Page, check_limit, decode_str, page_of
from edusync.storage import Database, tables

TYPES = ("person", "group", "organisation", "membership")
#: Attributes whose text a search matches (JSON text; a name is matched as typed, case aside).
SEARCHED = ("displayName", "name", "eduPersonPrincipalName", "mail", "firstName", "lastName")


def search(
    db: Database,
    text: str,
    *,
    object_type: str | None = None,
    school: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    config: Config | None = None,
) -> Page:
    """Objects whose id, source anchor or other identifier is ``text``, or whose name, Feide name or
    e-mail contains it.

    ``config`` narrows the source objects read to those that feed each type: an anchor is looked up
    by the connector space's unique index on (connector, object type, anchor) instead of a scan."""
    check_limit(limit)
    text = (text or "").strip()
    if len(text) < 2 and not school:
        raise BadQuery("search for two characters at least")
    if object_type and object_type not in TYPES:
        raise BadQuery(f"type {object_type!r} is none of {', '.join(TYPES)}")
    mv, cs = tables.mv_objects, tables.cs_objects
    types = [object_type] if object_type else ["person", "group", "organisation"]
    q = select(mv.c.id, mv.c.object_type, mv.c.state, mv.c.attrs).where(mv.c.object_type.in_(types))
    identified: set[str] = set()
    if text and not any(c.isspace() for c in text):  # identifiers hold no spaces; names are matched below
        with db.begin() as conn:
            for t in types:
                identified |= lookup.identifier_ids(conn, config, t, text)
    anchored = select(cs.c.mv_id).where(cs.c.anchor == text, cs.c.mv_id.is_not(None))
    feeds = [(rule.connector, rule.object_type) for rule in config.sync] if config else []
    if feeds:
        anchored = anchored.where(or_(*(and_(cs.c.connector == c, cs.c.object_type == t) for c, t in feeds)))
    if object_type == "membership":  # not in the search index (no names): their attributes, as they are
        q = _membership_filter(q, text, school)
    else:
        s = tables.mv_search
        if text:
            named = _indexed(db, text, types)
            q = q.where(mv.c.id.in_(union(named, anchored, select(literal(text)), *_listed(identified))))
        if school:
            q = q.where(mv.c.id.in_(select(s.c.mv_id).where(s.c.school == school, s.c.object_type.in_(types))))
    after = decode_str(cursor)
    hits: list[Any] = []
    with db.begin() as conn:
        exact = set(conn.execute(anchored).scalars())
        exact |= identified | {text}
        # The index (or the JSON ``LIKE``) finds candidates; keep those where a searched value matched.
        while len(hits) <= limit:
            batch = q.order_by(mv.c.id).limit(4 * limit)
            if after is not None:
                batch = batch.where(mv.c.id > after)
            rows = conn.execute(batch).all()
            hits += [r for r in rows if _matches(r, text, exact)]
            if len(rows) < 4 * limit:
                break
            after = rows[-1].id
    hits, nxt = page_of(hits, limit, lambda r: str(r.id))
    return Page([lookup.listed(r) for r in hits], nxt)


def _indexed(db: Database, text: str, types: list[str]) -> Select[Any]:
    """The ids whose searched values contain ``text``, through the trigram index."""
    s = tables.mv_search
    q = select(s.c.mv_id).where(s.c.object_type.in_(types))
    if db.is_sqlite:
        # FTS5 answers a LIKE from its trigrams only without an ESCAPE: a ``%`` or ``_`` typed is then a
        # wildcard, which only widens the candidates (``_matches`` compares the text as typed).
        fts = table("mv_search_fts", column("rowid"), column("terms"))
        return q.where(s.c.id.in_(select(fts.c.rowid).where(fts.c.terms.like(f"%{text.lower()}%"))))
    pattern = f"%{lookup.like_escape(text.lower())}%"
    return q.where(s.c.terms.like(pattern, escape="\\"))


def _listed(ids: set[str]) -> list[Select[Any]]:
    return [select(literal(i)) for i in sorted(ids)]


def _membership_filter(q: Select[Any], text: str, school: str | None) -> Select[Any]:
    mv = tables.mv_objects
    if text:
        q = q.where(
            or_(mv.c.id == text, func.lower(mv.c.attrs).like(f"%{lookup.like_escape(text.lower())}%", escape="\\"))
        )
    if school:
        q = q.where(mv.c.attrs.like(f'%"school":"{school.replace(chr(34), "")}"%'))
    return q


def _matches(row: Any, text: str, exact: set[str]) -> bool:
    if not text or row.id in exact:
        return True
    needle = text.lower()
    attrs = loads(row.attrs)
    return any(needle in str(attrs.get(k) or "").lower() for k in SEARCHED)


def person_page(db: Database, config: Config, object_type: str, key: str) -> dict[str, Any]:
    """Everything about one object: attributes and lineage, state, targets, memberships and history."""
    obj = objects.show_object(db, config, object_type, key)
    obj["name"] = name_of(obj["attributes"])
    obj["memberships"] = memberships(db, obj["id"], object_type) if object_type in ("person", "group") else []
    obj["history"] = history(db, obj["id"])
    return obj


def memberships(db: Database, mv_id: str, object_type: str, limit: int = 500) -> list[dict[str, Any]]:
    mv = tables.mv_objects
    own, other = (mv.c.person_id, mv.c.group_id) if object_type == "person" else (mv.c.group_id, mv.c.person_id)
    with db.begin() as conn:
        rows = conn.execute(
            select(mv.c.id, mv.c.state, mv.c.attrs, other.label("other"))
            # ``|| ''`` keeps SQLite from picking the object type's index (every membership) over the owner's.
            .where(mv.c.object_type.concat("") == "membership", own == mv_id)
            .order_by(mv.c.id)
            .limit(limit)
        ).all()
        others = {r.other for r in rows if r.other}
        names = {i: name_of(loads(a)) for i, a in conn.execute(select(mv.c.id, mv.c.attrs).where(mv.c.id.in_(others)))}
    return [
        {
            "id": r.id,
            "state": r.state,
            "role": loads(r.attrs).get("role"),
            "other": r.other,
            "other_name": names.get(r.other, ""),
        }
        for r in rows
    ]


def history(db: Database, mv_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """Every change a run planned for this object, per target, newest first, and what was done by hand."""
    ch, cst, au = tables.changes, tables.change_sets, tables.audit_log
    with db.begin() as conn:
        rows = conn.execute(
            select(cst.c.run_id, cst.c.target, cst.c.status.label("cs_status"), ch.c.object_type, ch.c.op)
            .add_columns(ch.c.status, ch.c.attrs, ch.c.error)
            .join(cst, and_(cst.c.id == ch.c.change_set_id))
            .where(ch.c.mv_id == mv_id)
            .order_by(ch.c.id.desc())
            .limit(limit)
        ).all()
        manual = conn.execute(
            select(au).where(au.c.action == "restore", au.c.detail.like(f'%"object":"{mv_id}"%')).order_by(au.c.id)
        ).all()
    out = [
        {
            "run": r.run_id,
            "target": r.target,
            "object_type": r.object_type,
            "op": r.op,
            "status": r.status if r.cs_status not in ("blocked", "rejected") else r.cs_status,
            "values": mask_values(loads(vault.current().unseal_text(r.attrs))),
            "error": r.error,
        }
        for r in rows
    ]
    out += [
        {"run": a.run_id, "target": None, "object_type": None, "op": "restore", "status": "done", "by": a.actor}
        for a in manual
    ]
    return sorted(out, key=lambda h: -(h["run"] or 0))
