"""Finding a person by fødselsnummer: through the join keys' keyed hash, audited, never echoed.

The metaverse holds no national id in the clear (it is sealed at rest); the join keys hold an
HMAC of each join value under the installation's join secret (:meth:`edusync.vault.Vault.join_hash`),
so the number typed is hashed the same way and looked up among them, as ``edusync show person
NUMBER`` does. Only persons a sync rule joins on the number are found. Who may search is the
console's decision (``console.national_id_search_roles``); every search, and every refused try,
is in the audit log with the number masked, and no answer carries the number.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from edusync import vault
from edusync.config.models import Config
from edusync.model.fnr import mask
from edusync.services.lookup import listed
from edusync.services.paging import BadQuery, Page, check_limit
from edusync.storage import Database, tables
from edusync.storage.audit import audit

#: Eleven digits, alone or with a space after the birth date (``010203 12345``), not inside a longer number.
_NUMBER = re.compile(r"(?<!\d)\d{6} ?\d{5}(?!\d)")


def national_id_in(text: str | None) -> str | None:
    """The fødselsnummer (or D-nummer, or any 11 digits) in ``text``, compacted; None without one."""
    found = _NUMBER.search(text or "")
    return found.group(0).replace(" ", "") if found else None


def join_names(config: Config, object_type: str = "person") -> list[str]:
    """The names of the single-attribute join keys of ``object_type`` (``nin``): where a number can be."""
    rules = [jr for r in config.sync if r.metaverse_type == object_type for jr in r.join]
    return sorted({next(iter(jr.match.values())) for jr in rules if len(jr.match) == 1})


def search(db: Database, config: Config, text: str, actor: str, *, limit: int = 50) -> Page:
    """The persons whose join keys hold the number in ``text`` (which must be the number alone)."""
    check_limit(limit)
    number = national_id_in(text)
    if number is None or len(text.replace(" ", "").strip()) != len(number):
        raise BadQuery("a national id search takes the 11 digits alone")
    keyed = vault.current().join_hash(number)  # KeyUnavailable without a join secret: nothing could match
    k, mv = tables.mv_keys, tables.mv_objects
    # object_type, name, value: the key table's primary key, so the lookup is one index probe per name.
    found = select(k.c.mv_id).where(k.c.object_type == "person", k.c.name.in_(join_names(config)), k.c.value == keyed)
    with db.begin() as conn:
        rows = conn.execute(
            select(mv.c.id, mv.c.object_type, mv.c.state, mv.c.attrs)
            .where(mv.c.id.in_(found))
            .order_by(mv.c.id)
            .limit(limit)
        ).all()
        audit(conn, actor, "national-id-search", None, None, national_id=mask(number), hits=len(rows))
    return Page([listed(r) for r in rows], None)


def audit_refused(db: Database, actor: str, text: str) -> None:
    """Record that ``actor`` tried a national id search they may not make (the number masked)."""
    with db.begin() as conn:
        audit(conn, actor, "national-id-search-refused", None, None, national_id=mask(national_id_in(text)))
