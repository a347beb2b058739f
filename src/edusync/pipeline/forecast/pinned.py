"""One transaction that every step of a forecast shares, and that is never committed.

The stages of a run open and commit many short transactions (``Database.begin``); a forecast
runs the same stages, so it hands them a :class:`PinnedDatabase` whose every ``begin`` (and
``serialized``) yields one connection inside one outer transaction. Nothing the stages write
is committed: :func:`pinned` rolls the whole of it back at the end, also when a stage fails.

Why a transaction and not a copy of the stages over plain objects: the forecast then *is* the
run's code (sync, lifecycle, planning with its rollover), so what it foretells cannot drift
from what a run does. Both databases roll back every statement the stages use, DDL included
(SQLite and PostgreSQL both have transactional DDL; the stages' temporary tables on PostgreSQL
go with the rollback). The price: while a forecast evaluates, SQLite's write lock is held (a
run that starts meanwhile waits, up to its busy timeout) and PostgreSQL holds row locks on the
rows it changed; so a forecast refuses to start while a run holds the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError

from edusync.errors import StorageError
from edusync.storage import Database


class PinnedDatabase(Database):
    """A :class:`Database` whose transactions are all one, on one connection, rolled back by its owner."""

    def __init__(self, db: Database, conn: Connection) -> None:
        super().__init__(db.engine)
        self.conn = conn

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        try:
            yield self.conn
        except DBAPIError as exc:
            raise StorageError(f"database error: {exc.orig}") from exc

    @contextmanager
    def serialized(self, key: int = 0) -> Iterator[Connection]:
        # The outer transaction already holds SQLite's write lock once it wrote; PostgreSQL's
        # advisory lock is transaction-scoped and goes with the rollback.
        if not self.is_sqlite:
            self.conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (0x6564_7573_0000 + key,))
        yield self.conn

    def connect(self) -> Connection:
        raise StorageError("a forecast shares one connection; open none of its own")

    def ensure_indexes(self) -> None:
        return None  # the indexes are there: a forecast never drops one

    @contextmanager
    def without_indexes(self, table: Table, names: Sequence[str]) -> Iterator[None]:
        yield  # a forecast loads nothing in bulk: keep the indexes, drop nothing another session needs


@contextmanager
def pinned(db: Database) -> Iterator[PinnedDatabase]:
    """A :class:`PinnedDatabase` over ``db``; whatever was written through it is rolled back at the end."""
    conn = db.engine.connect()
    try:
        if db.is_sqlite:
            # pysqlite would only begin at the first write; begin now so the reads see one snapshot
            conn.exec_driver_sql("BEGIN")
        trans = conn.begin() if not db.is_sqlite else None
        try:
            yield PinnedDatabase(db, conn)
        finally:
            if trans is not None:
                trans.rollback()
            else:
                conn.exec_driver_sql("ROLLBACK")
    finally:
        conn.close()
