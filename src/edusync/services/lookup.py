"""One object by any identifier it has: the key a person types into ``edusync show`` or the console.

A key is tried in tiers, strongest first, and the first tier that matches anything decides:

1. the metaverse id;
2. a source anchor in full (also one whose source object has left: its derived id), or a join
   key's value through its keyed hash (a national id, a Feide name), the only way a sealed value
   is found;
3. the last segment of an anchor (a FINT ``systemId`` without its path), or any other identifier's
   value in the metaverse object or in a source object joined to it (a Feide name, a pupil's
   ``personalressurs`` path), case aside;
4. a name (``displayName``, ``name`` or ``cn``), case aside.

A tier that matches several objects is ambiguous: :class:`edusync.errors.AmbiguousKey` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, and_, false, or_, select

from edusync import vault
from edusync.config.models import Config
from edusync.errors import AmbiguousKey, NotFound
from edusync.model.fnr import mask_text, quoted
from edusync.model.hashing import loads
from edusync.pipeline.syncing.rule import mv_id_for
from edusync.storage import tables

#: Attributes that name an object; a match on one of them is the weakest (tier 4).
NAMES = ("displayName", "name", "cn")
#: How many rows one tier reads at most: enough to tell one from several and to list a few.
CAP = 50
#: How many candidates an ambiguous key lists.
SHOWN = 10


def name_of(attrs: dict[str, Any]) -> str:
    """What a person calls the object: its display name, else its name, else first and last name."""
    for key in NAMES:
        if attrs.get(key):
            return str(attrs[key])
    first, last = attrs.get("firstName") or "", attrs.get("lastName") or ""
    return f"{first} {last}".strip()


def like_escape(value: str) -> str:
    """``value`` for a ``LIKE`` pattern (``ESCAPE '\\'``): its ``%``, ``_`` and backslashes taken literally."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _values(attrs: dict[str, Any], skip: Iterable[str] = ()) -> Iterable[tuple[str, str]]:
    """Each top-level text value (and each text in a list) with its attribute's name."""
    skipped = set(skip)
    for name, value in attrs.items():
        if name in skipped:
            continue
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str):
                yield name, v


def _feeds(config: Config | None, object_type: str) -> Any:
    """The source types that feed ``object_type`` (every source type when no config is given)."""
    cs = tables.cs_objects
    if config is None:
        return None
    pairs = [
        and_(cs.c.connector == r.connector, cs.c.object_type == r.object_type)
        for r in config.sync
        if r.metaverse_type == object_type
    ]
    return or_(*pairs) if pairs else false()


def _references(config: Config | None, object_type: str) -> tuple[set[str], set[str]]:
    """The attributes that point at other objects (a person's school, a membership's group), in the
    source and in the metaverse: another object's identifier there does not identify this one."""
    source: set[str] = set()
    metaverse: set[str] = set()
    for rule in config.sync if config is not None else ():
        if rule.metaverse_type != object_type:
            continue
        for flow in rule.flows:
            if flow.ref is not None:
                source.update(flow.sources)
                metaverse.add(flow.to)
    return source, metaverse


def exact_ids(conn: Connection, config: Config | None, object_type: str, key: str) -> set[str]:
    """Tier 2: ids whose source anchor is ``key``, or whose join key's keyed hash is ``key``'s."""
    cs, k = tables.cs_objects, tables.mv_keys
    q = select(cs.c.mv_id).where(cs.c.anchor == key, cs.c.mv_id.is_not(None))
    feeds = _feeds(config, object_type)
    if feeds is not None:
        q = q.where(feeds)
    ids = set(conn.execute(q.limit(CAP)).scalars())
    if config is not None:  # a source object that has left is unlinked; its object keeps the derived id
        ids.update(
            mv_id_for(object_type, r.connector, r.object_type, key)
            for r in config.sync
            if r.metaverse_type == object_type
        )
    if vault.current().join is not None:
        keyed = vault.current().join_hash(key)
        found = select(k.c.mv_id).where(k.c.object_type == object_type, k.c.value == keyed).limit(CAP)
        ids.update(conn.execute(found).scalars())
    return ids


def identifier_ids(conn: Connection, config: Config | None, object_type: str, key: str) -> set[str]:
    """Tier 3: ids with ``key`` as an anchor's last segment, or as an identifier's value (case aside)."""
    cs = tables.cs_objects
    feeds = _feeds(config, object_type)
    source_refs, metaverse_refs = _references(config, object_type)
    ids: set[str] = set()
    if "/" not in key:
        q = select(cs.c.mv_id).where(cs.c.anchor.like(f"%/{like_escape(key)}", escape="\\"), cs.c.mv_id.is_not(None))
        ids.update(conn.execute((q.where(feeds) if feeds is not None else q).limit(CAP)).scalars())
    # The JSON text holds the value quoted: ``LIKE '%"value"%'`` finds the candidates, the values decide.
    needle = f"%{like_escape(orjson.dumps(key).decode())}%"
    wanted = key.casefold()
    q = select(cs.c.mv_id, cs.c.attrs).where(cs.c.attrs.ilike(needle, escape="\\"), cs.c.mv_id.is_not(None))
    for mv_id, attrs in conn.execute((q.where(feeds) if feeds is not None else q).limit(CAP)):
        if any(v.casefold() == wanted for _, v in _values(loads(attrs), skip=source_refs)):
            ids.add(mv_id)
    mv = tables.mv_objects
    q = select(mv.c.id, mv.c.attrs).where(mv.c.object_type == object_type, mv.c.attrs.ilike(needle, escape="\\"))
    for mv_id, attrs in conn.execute(q.limit(CAP)):
        if any(v.casefold() == wanted for _, v in _values(loads(attrs), skip={*NAMES, *metaverse_refs})):
            ids.add(mv_id)
    return ids


def named_ids(conn: Connection, object_type: str, key: str) -> set[str]:
    """Tier 4: ids whose name is ``key``, case aside."""
    mv = tables.mv_objects
    needle = f"%{like_escape(orjson.dumps(key).decode())}%"
    q = select(mv.c.id, mv.c.attrs).where(mv.c.object_type == object_type, mv.c.attrs.ilike(needle, escape="\\"))
    wanted = key.casefold()
    return {i for i, attrs in conn.execute(q.limit(CAP)) if name_of(loads(attrs)).casefold() == wanted}


def find_one(conn: Connection, config: Config, object_type: str, key: str) -> Any:
    """The metaverse row ``key`` identifies; :class:`NotFound` when none, :class:`AmbiguousKey` when several."""
    mv = tables.mv_objects
    key = key.strip()
    row = conn.execute(select(mv).where(mv.c.id == key, mv.c.object_type == object_type)).first()
    if row is not None:
        return row
    tiers: tuple[tuple[str, Callable[[], set[str]]], ...] = (
        ("source anchor or join key", lambda: exact_ids(conn, config, object_type, key)),
        ("identifier", lambda: identifier_ids(conn, config, object_type, key)),
        ("name", lambda: named_ids(conn, object_type, key)),
    )
    for how, ids_of in tiers:  # lazily: a tier's queries run only when the stronger ones found nothing
        ids = ids_of()
        if not ids:
            continue
        q = select(mv).where(mv.c.object_type == object_type, mv.c.id.in_(sorted(ids))).order_by(mv.c.id)
        rows = conn.execute(q).all()
        if len(rows) == 1:
            return rows[0]
        if rows:
            raise ambiguous(object_type, key, how, rows)
    raise NotFound(f"no {object_type} has the id, source anchor, identifier or name {quoted(key)}")


def listed(row: Any) -> dict[str, Any]:
    """An object as a list shows it (search hits, national id hits, the candidates of an ambiguous key):
    what a person tells them apart by, nothing sealed."""
    attrs = loads(row.attrs)
    return {
        "id": row.id,
        "type": row.object_type,
        "state": row.state,
        "name": mask_text(name_of(attrs)),
        "feide": attrs.get("eduPersonPrincipalName"),
        "school": attrs.get("school"),
    }


def ambiguous(object_type: str, key: str, how: str, rows: Sequence[Any]) -> AmbiguousKey:
    found = [listed(r) for r in rows]
    more = "+" if len(rows) >= CAP else ""
    lines = [
        f"  {c['id']}  {c['name'] or '(no name)'}" + (f"  {c['feide']}" if c["feide"] else "") + f"  ({c['state']})"
        for c in found[:SHOWN]
    ]
    if len(found) > SHOWN:
        lines.append(f"  … and {len(found) - SHOWN}{more} more")
    message = (
        f"{quoted(key)} matches {len(found)}{more} {object_type}s (by {how}); name one of them by its id:\n"
        + "\n".join(lines)
    )
    return AmbiguousKey(message, candidates=found, object_type=object_type)
