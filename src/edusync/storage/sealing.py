"""Sealing what is stored anew: after a key rotation, and once for a database from before sealing.

Every table that holds attributes is walked in primary-key order, a batch per transaction when the
caller commits between batches, so a rotation that is stopped goes on where it was: a value already
sealed with the newest key is left as it is. The join keys are made again from the metaverse
objects, as keyed hashes (:meth:`edusync.vault.Vault.join_hash`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Table, delete, select, tuple_, update

from edusync.errors import KeyUnavailable
from edusync.model.hashing import loads
from edusync.storage import tables
from edusync.vault import PREFIX, Vault

#: The tables that hold attributes, the columns that name a row, and the column of attributes.
SEALED: tuple[tuple[Table, tuple[str, ...], str], ...] = (
    (tables.cs_objects, ("id",), "attrs"),
    (tables.mv_objects, ("id",), "attrs"),
    (tables.changes, ("id",), "attrs"),
    (tables.changes, ("id",), "prior_attrs"),  # what the target held before (edusync revert)
    (tables.target_objects, ("target", "object_type", "key"), "attrs"),
)
#: The columns of attributes as they were before revision 0010 added ``changes.prior_attrs``
#: (what revision 0004 seals: its tables have no other columns yet).
ATTRS_ONLY = tuple(entry for entry in SEALED if entry[2] == "attrs")
BATCH = 2000


def _pages(
    conn: Connection, table: Table, keys: tuple[str, ...], column: str, only_sealed: bool
) -> Iterator[list[Any]]:
    cols = [table.c[k] for k in keys]
    after: tuple[Any, ...] | None = None
    while True:
        q = select(*cols, table.c[column]).order_by(*cols).limit(BATCH).where(table.c[column].is_not(None))
        if only_sealed:
            q = q.where(table.c[column].contains(PREFIX, autoescape=True))
        if after is not None:
            q = q.where(tuple_(*cols) > tuple_(*after)) if len(cols) > 1 else q.where(cols[0] > after[0])
        rows = list(conn.execute(q))
        if not rows:
            return
        yield rows
        after = tuple(rows[-1][: len(keys)])


def reseal(
    conn: Connection,
    vault: Vault,
    *,
    only_sealed: bool,
    commit: Callable[[], None] | None = None,
    sealed: tuple[tuple[Table, tuple[str, ...], str], ...] = SEALED,
) -> dict[str, int]:
    """Seal every stored attribute value anew with the newest key; how many rows changed, per table.

    ``only_sealed`` reads only rows that hold a sealed value (a rotation); without it every row is
    read (a database whose values are still in clear). ``commit`` is called after each batch.
    """
    changed: dict[str, int] = {}
    for table, keys, column in sealed:
        n = 0
        for rows in _pages(conn, table, keys, column, only_sealed):
            for row in rows:
                text = vault.reseal_text(row[-1])
                if text is None:
                    continue
                where = [table.c[k] == row[i] for i, k in enumerate(keys)]
                conn.execute(update(table).where(*where).values({column: text}))
                n += 1
            if commit is not None:
                commit()
        changed[table.name] = changed.get(table.name, 0) + n
    return changed


def reseal_lines(conn: Connection, vault: Vault) -> int:
    """Seal each kept copy of a source's lines with the newest key; one no key opens is dropped (read in full)."""
    lines, n = tables.source_lines, 0
    for connector, object_type, body in conn.execute(select(lines.c.connector, lines.c.object_type, lines.c.body)):
        where = (lines.c.connector == connector, lines.c.object_type == object_type)
        if bytes(body).partition(b"$")[0].decode(errors="replace") == vault.current:
            continue
        name = f"{connector}/{object_type} lines"
        try:
            fresh = vault.seal_bytes(name, vault.open_bytes(name, bytes(body)))
        except KeyUnavailable:
            conn.execute(delete(lines).where(*where))
        else:
            conn.execute(update(lines).where(*where).values(body=fresh))
        n += 1
    return n


def key_use(conn: Connection) -> Counter[str]:
    """How many stored rows hold values sealed with each key id."""
    used: Counter[str] = Counter()
    for (body,) in conn.execute(select(tables.source_lines.c.body)):
        used[bytes(body).partition(b"$")[0].decode(errors="replace")] += 1
    for table, keys, column in SEALED:
        for rows in _pages(conn, table, keys, column, only_sealed=True):
            for row in rows:
                used.update(Vault.key_ids(row[-1]))
    return used


def rekey_joins(conn: Connection, vault: Vault) -> int:
    """Make every join key again, keyed, from its metaverse object; returns how many there are."""
    k, mv = tables.mv_keys, tables.mv_objects
    rows = conn.execute(select(k.c.object_type, k.c.name, k.c.mv_id, mv.c.attrs).join(mv, mv.c.id == k.c.mv_id)).all()
    fresh: set[tuple[str, str, str, str]] = set()
    for object_type, name, mv_id, text in rows:
        attrs = vault.unseal(loads(text)) if PREFIX in text else loads(text)
        values = [attrs.get(a) for a in name.split("+")]
        if all(v not in (None, "") for v in values):
            fresh.add((object_type, name, vault.join_hash(*(str(v) for v in values)), mv_id))
    conn.execute(k.delete())
    if fresh:
        conn.execute(k.insert(), [dict(zip(("object_type", "name", "value", "mv_id"), r, strict=True)) for r in fresh])
    return len(fresh)
