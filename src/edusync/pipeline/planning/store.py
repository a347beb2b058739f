"""Planning's SQL: what changed in the metaverse, what each target was last sent, the change set rows.

Every read that can be large goes straight through the driver in pages or ``IN`` chunks
(:meth:`Database.fetch_in` turns them into one ``= ANY`` on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, select, text, update

from edusync import vault
from edusync.engine.diff import Sent
from edusync.model.hashing import dumps
from edusync.storage import Database, tables

cst, ch, to, mv = tables.change_sets, tables.changes, tables.target_objects, tables.mv_objects
# Literal, so that SQLite matches it to the partial index of failed changes.
FAILED = text("status = 'failed'")
RETRY = (
    "SELECT c.mv_id FROM changes AS c JOIN change_sets AS s ON s.id = c.change_set_id "
    "WHERE c.status = 'failed' AND s.target = ? AND c.object_type = ? AND c.mv_id IS NOT NULL"
)
BY_ID = "SELECT id, attrs, state FROM mv_objects WHERE id IN ({marks})"
CHANGED = "SELECT id, attrs, state FROM mv_objects WHERE object_type = ? AND changed_run > ?"
OF_TYPE = "SELECT id FROM mv_objects WHERE object_type = ? AND id IN ({marks})"
KNOWN = "SELECT 1 FROM target_objects WHERE target = ? AND object_type = ? LIMIT 1"
SENT = "SELECT key, hash, state, attrs FROM target_objects WHERE target = ? AND object_type = ? AND key IN ({marks})"
SENT_WITH_ID = (
    "SELECT key, hash, state, attrs, mv_id FROM target_objects WHERE target = ? AND object_type = ? "
    "AND key IN ({marks})"
)
HELD_PAGE = (
    "SELECT key, hash, state, attrs FROM target_objects WHERE target = ? AND object_type = ? "
    "AND state != 'deleted' AND key > ? ORDER BY key LIMIT ?"
)
PLANNED = "SELECT key FROM changes WHERE change_set_id = ? AND object_type = ? AND key IN ({marks})"
ARCHIVED = (
    "SELECT key FROM target_objects WHERE target = ? AND object_type = ? AND state = 'archived' AND key IN ({marks})"
)
MEMBERS = "SELECT id FROM mv_objects WHERE object_type = ? AND group_id IN ({marks})"
CHANGE_COLUMNS = (
    *("change_set_id", "object_type", "key", "op", "attrs", "hash", "mv_id", "soft", "status", "attempts"),
    *("prior_state", "prior_hash", "prior_attrs"),
)
HELD = "SELECT key FROM holds WHERE target = ? AND object_type = ? AND released_at IS NULL"
RELEASED = (
    "SELECT mv_id FROM holds WHERE target = ? AND object_type = ? AND released_at IS NOT NULL AND mv_id IS NOT NULL"
)

#: A metaverse row as the planner reads it: (id, attrs JSON, state).
MvRow = tuple[str, str, str]


# -- the metaverse ------------------------------------------------------------------------------


def changed_since(db: Database, conn: Connection, metaverse_type: str, run: int, page: int) -> Iterator[list[Any]]:
    """Pages of the objects of a type changed after ``run`` (0: every object)."""
    opened = vault.current().unseal_text
    for rows in db.stream(conn, CHANGED, (metaverse_type, run), page):
        yield [(i, opened(a), s) for i, a, s in rows]


def by_ids(db: Database, conn: Connection, ids: Sequence[str]) -> list[Any]:
    opened = vault.current().unseal_text
    return [(i, opened(a), s) for i, a, s in db.fetch_in(conn, BY_ID, (), ids)]


def of_type(db: Database, conn: Connection, metaverse_type: str, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are objects of ``metaverse_type``."""
    return {str(r[0]) for r in db.fetch_in(conn, OF_TYPE, (metaverse_type,), ids)}


def members_of(db: Database, conn: Connection, metaverse_type: str, groups: Sequence[str]) -> set[str]:
    return {str(r[0]) for r in db.fetch_in(conn, MEMBERS, (metaverse_type,), groups)}


# -- what a target holds ----------------------------------------------------------------------


def holds_any(db: Database, conn: Connection, target: str, object_type: str) -> bool:
    return bool(db.fetch(conn, KNOWN, (target, object_type)))


def sent(db: Database, conn: Connection, target: str, object_type: str, keys: Sequence[str]) -> dict[str, Sent]:
    """What the target was last sent for these keys."""
    rows = db.fetch_in(conn, SENT, (target, object_type), keys)
    opened = vault.current().unseal_text
    return {k: Sent(h, s, opened(a)) for k, h, s, a in rows}


def sent_rows(db: Database, conn: Connection, target: str, object_type: str, keys: Sequence[str]) -> dict[str, Any]:
    """Key → (key, hash, state, attrs, mv_id) as last sent."""
    opened = vault.current().unseal_text
    rows = db.fetch_in(conn, SENT_WITH_ID, (target, object_type), keys)
    return {str(k): (k, h, s, opened(a), m) for k, h, s, a, m in rows}


def held_page(db: Database, conn: Connection, target: str, object_type: str, after: str, size: int) -> list[Any]:
    """The next page, in key order, of what the target holds (not deleted): key, hash, state, attrs."""
    opened = vault.current().unseal_text
    return [(k, h, s, opened(a)) for k, h, s, a in db.fetch(conn, HELD_PAGE, (target, object_type, after, size))]


def archived(db: Database, conn: Connection, target: str, object_type: str, keys: Sequence[str]) -> set[str]:
    return {str(r[0]) for r in db.fetch_in(conn, ARCHIVED, (target, object_type), keys)}


def target_counts(conn: Connection, target: str) -> dict[str, int]:
    """Per object type, how many objects the target holds (not deleted)."""
    q = (
        select(to.c.object_type, func.count())
        .where(to.c.target == target, to.c.state != "deleted")
        .group_by(to.c.object_type)
    )
    return {k: int(n) for k, n in conn.execute(q)}


def orphans(conn: Connection, target: str, object_type: str, metaverse_type: str, suffixes: Sequence[str]) -> list[Any]:
    """What the target holds of a type whose metaverse object no longer exists.

    With ``suffixes`` (year keys), an object's key is its id plus one of them, and keys of an
    existing object under any of those suffixes are not orphans.
    """
    q = select(to.c.key, to.c.hash, to.c.state, to.c.attrs, to.c.mv_id).where(
        to.c.target == target,
        to.c.object_type == object_type,
        to.c.state != "deleted",
        to.c.mv_id.is_not(None),  # objects a rollover strategy made are planned by it
    )
    if suffixes:
        for suffix in suffixes:
            q = q.where(to.c.key.not_in(select(mv.c.id.concat(suffix)).where(mv.c.object_type == metaverse_type)))
    else:
        q = q.where(to.c.key.not_in(select(mv.c.id).where(mv.c.object_type == metaverse_type)))
    opened = vault.current().unseal_text
    return [(k, h, s, opened(a), m) for k, h, s, a, m in conn.execute(q)]


def strategy_nodes(conn: Connection, target: str, node_type: str) -> list[Any]:
    """Objects of ``node_type`` that a rollover strategy made (no metaverse object): key, hash, attrs."""
    q = select(to.c.key, to.c.hash, to.c.attrs).where(
        to.c.target == target, to.c.object_type == node_type, to.c.state != "deleted", to.c.mv_id.is_(None)
    )
    opened = vault.current().unseal_text
    return [(k, h, opened(a)) for k, h, a in conn.execute(q)]


def last_plan(conn: Connection, target: str) -> tuple[int, str] | None:
    """The run whose plan the target last exported, and that plan's config digest."""
    row = conn.execute(select(tables.target_state).where(tables.target_state.c.target == target)).first()
    return None if row is None else (int(row.planned_run), str(row.config_hash))


# -- failures to retry -----------------------------------------------------------------------


def failed_ids(db: Database, conn: Connection, target: str, object_type: str) -> list[str]:
    """Objects whose last change to this target failed (read through the small index of failures)."""
    return sorted({str(r[0]) for r in db.fetch(conn, RETRY, (target, object_type))})


# -- the change set ------------------------------------------------------------------------------


def new_change_set(conn: Connection, run_id: int, target: str, stamp: str) -> int:
    res = conn.execute(
        cst.insert().values(
            run_id=run_id, target=target, hash="", status="planning", counts="{}", base_counts="{}", created_at=stamp
        )
    )
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def supersede(conn: Connection, target: str, cs_id: int) -> None:
    """Earlier unsent change sets of this target are replaced by the new one, and so are their failures."""
    conn.execute(
        update(cst)
        .where(cst.c.target == target, cst.c.id != cs_id, cst.c.status.in_(["blocked", "preview", "planned"]))
        .values(status="superseded")
    )
    earlier = select(cst.c.id).where(cst.c.target == target, cst.c.id != cs_id)
    conn.execute(update(ch).where(FAILED, ch.c.change_set_id.in_(earlier)).values(status="superseded"))


def add_changes(db: Database, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows in :data:`CHANGE_COLUMNS` order; the attributes and the prior attributes are sealed."""
    seal = vault.current().seal_text
    db.insert(conn, ch, CHANGE_COLUMNS, [(*r[:4], seal(r[4]), *r[5:12], _seal(seal, r[12])) for r in rows])


def _seal(seal: Any, text: str | None) -> str | None:
    return None if text is None else str(seal(text))


# -- holds (edusync revert --hold) ----------------------------------------------------------------


def held_keys(db: Database, conn: Connection, target: str, object_type: str) -> set[str]:
    """The keys of this type a person holds at the target: nothing is planned for them."""
    return {str(r[0]) for r in db.fetch(conn, HELD, (target, object_type))}


def held_counts(conn: Connection, target: str) -> dict[str, int]:
    """Per object type, how many keys of the target are held."""
    h = tables.holds
    q = (
        select(h.c.object_type, func.count())
        .where(h.c.target == target, h.c.released_at.is_(None))
        .group_by(h.c.object_type)
    )
    return {str(k): int(n) for k, n in conn.execute(q)}


def released_ids(db: Database, conn: Connection, target: str, object_type: str) -> list[str]:
    """Objects released from a hold since the target's last export: planned again, changed or not."""
    return sorted({str(r[0]) for r in db.fetch(conn, RELEASED, (target, object_type))})


def planned_keys(db: Database, conn: Connection, cs_id: int, object_type: str, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the change set already changes."""
    return {str(r[0]) for r in db.fetch_in(conn, PLANNED, (cs_id, object_type), keys)}


def close_plan(
    conn: Connection, cs_id: int, digest: str, status: str, counts: dict[str, Any], before: dict[str, int]
) -> None:
    conn.execute(
        update(cst)
        .where(cst.c.id == cs_id)
        .values(hash=digest, status=status, counts=dumps(counts), base_counts=dumps(before))
    )
