"""The connector space searched for an object the metaverse does not have.

A source record can be staged and still not be in the metaverse: it failed its sync rule's
criteria, or it has gone. Such a record is found by its anchor (whole, or its last segment), by
any text value it holds (a Feide name, a user name), by a name (every word one of its values), or
by a fødselsnummer, compared through the installation's keyed hash of each sealed value: the
number is never stored, logged or part of an answer.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, and_, false, or_, select

from edusync import vault
from edusync.config.models import Config
from edusync.model.hashing import loads
from edusync.services.lookup import CAP, like_escape
from edusync.services.national_ids import national_id_in
from edusync.storage import tables


def _feeds(config: Config, object_type: str) -> Any:
    cs = tables.cs_objects
    pairs = [
        and_(cs.c.connector == r.connector, cs.c.object_type == r.object_type)
        for r in config.sync
        if r.metaverse_type == object_type
    ]
    return or_(*pairs) if pairs else false()


def _texts(attrs: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for value in attrs.values():
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str):
                out.add(v.casefold())
    return out


def number_of(key: str) -> str | None:
    """The national id ``key`` is (the 11 digits alone), or None."""
    number = national_id_in(key)
    return number if number is not None and len(key.replace(" ", "").strip()) == len(number) else None


def _by_number(conn: Connection, config: Config, object_type: str, number: str) -> list[Any]:
    """Rows holding ``number`` sealed: each sealed value's keyed hash against the number's."""
    v = vault.current()
    keyed = v.join_hash(number)
    cs = tables.cs_objects
    q = select(cs).where(_feeds(config, object_type), cs.c.attrs.like(f"%{like_escape(vault.PREFIX)}%", escape="\\"))
    found = []
    for row in conn.execute(q.order_by(cs.c.id)):
        opened = v.unseal(loads(row.attrs))
        values = [str(x) for x in opened.values() if isinstance(x, str | int) and not isinstance(x, bool)]
        if any(hmac.compare_digest(v.join_hash(x), keyed) for x in values if len(x) == 11):
            found.append(row)
            if len(found) >= CAP:
                break
    return found


def staged(conn: Connection, config: Config, object_type: str, key: str) -> Sequence[Any]:
    """The connector-space rows that ``key`` names, strongest match first (as :mod:`lookup` tiers)."""
    cs = tables.cs_objects
    feeds = _feeds(config, object_type)
    key = key.strip()
    number = number_of(key)
    if number is not None:
        return _by_number(conn, config, object_type, number)
    rows = conn.execute(select(cs).where(feeds, cs.c.anchor == key).limit(CAP)).all()
    if rows:
        return rows
    if "/" not in key and " " not in key:
        q = select(cs).where(feeds, cs.c.anchor.like(f"%/{like_escape(key)}", escape="\\"))
        rows = conn.execute(q.limit(CAP)).all()
        if rows:
            return rows
    words = [w.casefold() for w in key.split() if w]
    if not words:
        return []
    needle = f"%{like_escape(orjson.dumps(key.split()[0]).decode())}%"
    q = select(cs).where(feeds, cs.c.attrs.ilike(needle, escape="\\")).order_by(cs.c.id)
    whole = key.casefold()
    exact, named = [], []
    for row in conn.execute(q.limit(CAP * 4)):
        texts = _texts(loads(row.attrs))
        if whole in texts:
            exact.append(row)
        elif len(words) > 1 and all(w in texts for w in words):
            named.append(row)
    return (exact or named)[:CAP]
