"""Open the database, apply migrations, and the few statements that differ per dialect."""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.schema import CreateIndex, DropIndex

from edusync.errors import StorageError
from edusync.storage.tables import metadata

MIGRATIONS = Path(__file__).parent / "migrations"
ENV_URL = "EDUSYNC_DATABASE_URL"
CACHE_KIB = 262_144  # SQLite's page cache per connection: 256 MiB, for the sync's random index writes
BULK_MIN = 2000  # from this many rows, PostgreSQL writes go through COPY and one statement
ADVISORY_BASE = 0x6564_7573_0000  # "edus…": edusync's advisory lock keys, apart from other applications
MIGRATION_LOCK = 0xFFFF  # the advisory key migrations take (run locks count up from 0, one per tenant)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA wal_autocheckpoint=16384")
    cur.close()


def resolve_url(url: str | None, base_dir: Path | None = None) -> str:
    """``EDUSYNC_DATABASE_URL`` wins; a relative SQLite path is relative to the config's folder."""
    url = os.environ.get(ENV_URL) or url or "sqlite:///edusync.db"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///") and base_dir is not None:
        path = Path(url[len("sqlite:///") :])
        if str(path) != ":memory:" and not path.is_absolute():
            url = "sqlite:///" + str((base_dir / path).resolve())
    return url


class Database:
    """An engine plus what storage code needs to know about its dialect."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction; database errors become :class:`StorageError`, which is fatal."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            raise StorageError(f"database error: {exc.orig}") from exc
        except psycopg.Error as exc:  # raised by COPY, which goes to the driver directly
            raise StorageError(f"database error: {exc}") from exc

    @contextmanager
    def serialized(self, key: int = 0) -> Iterator[Connection]:
        """A transaction that runs alone among the transactions that ask for the same ``key``.

        Checking "is a run going?" and recording "mine is" must be one atomic step, or two runs
        started at the same instant both go. SQLite takes its write lock up front
        (``BEGIN IMMEDIATE``: the second waits, then sees the first's row); PostgreSQL takes a
        transaction-scoped advisory lock on ``key`` (one per tenant once there are several).
        """
        try:
            if self.is_sqlite:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    try:
                        yield conn
                    except BaseException:
                        conn.rollback()
                        raise
                    conn.commit()
            else:
                with self.engine.begin() as conn:
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_BASE + key,))
                    yield conn
        except DBAPIError as exc:
            raise StorageError(f"database error: {exc.orig}") from exc

    def connect(self) -> Connection:
        return self.engine.connect()

    def upsert(self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
        """Insert ``rows`` or, where the key exists, overwrite the other columns."""
        if not rows:
            return
        dialect = sqlite if self.is_sqlite else postgresql
        stmt = dialect.insert(table)
        cols = [c for c in rows[0] if c not in keys]
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in cols})
        conn.execute(stmt, list(rows))

    def q(self, sql: str) -> str:
        """Adapt ``?`` placeholders to the driver's (``%s`` for psycopg)."""
        return sql if self.is_sqlite else sql.replace("?", "%s")

    def fetch(self, conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """All rows of a query as plain tuples, straight from the driver (no Row objects)."""
        raw = conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        try:
            cur.execute(self.q(sql), tuple(params))
            return list(cur.fetchall())
        finally:
            cur.close()

    def stream(self, conn: Connection, sql: str, params: Sequence[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
        """Batches of rows without holding the whole result (a server-side cursor on PostgreSQL)."""
        raw = conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor() if self.is_sqlite else raw.cursor(name=f"edusync_stream_{id(conn)}")
        try:
            cur.execute(self.q(sql), tuple(params))
            while batch := cur.fetchmany(size):
                yield list(batch)
        finally:
            cur.close()

    def fetch_in(
        self, conn: Connection, sql: str, params: Sequence[Any], values: Sequence[Any], chunk: int = 2000
    ) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` whose ``IN ({marks})`` is a list over ``values``, in chunks.

        PostgreSQL gets one array parameter (``= ANY``), which it plans as an index lookup
        however long the list is.
        """
        out: list[tuple[Any, ...]] = []
        if not self.is_sqlite:
            any_sql = sql.replace("IN ({marks})", "= ANY(?)")
            for i in range(0, len(values), 50_000):
                out += self.fetch(conn, any_sql, [*params, list(values[i : i + 50_000])])
            return out
        for i in range(0, len(values), chunk):
            part = list(values[i : i + chunk])
            out += self.fetch(conn, sql.format(marks=", ".join("?" * len(part))), [*params, *part])
        return out

    def update_rows(
        self, conn: Connection, table: Table, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """``UPDATE table SET columns WHERE key`` for each row (its values, then the key)."""
        if not rows:
            return
        if self.is_sqlite or len(rows) < BULK_MIN:
            sets = ", ".join(f"{c} = ?" for c in columns)
            self.many(conn, f"UPDATE {table.name} SET {sets} WHERE {key} = ?", rows)
            return
        tmp = self._staged(conn, table, [*columns, key], rows)
        sets = ", ".join(f"{c} = s.{c}" for c in columns)
        conn.exec_driver_sql(f"UPDATE {table.name} AS t SET {sets} FROM {tmp} AS s WHERE t.{key} = s.{key}")

    def upsert_rows(
        self, conn: Connection, table: Table, keys: Sequence[str], columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert rows (``columns`` order), overwriting the other columns where ``keys`` match."""
        if not rows:
            return
        cols = ", ".join(columns)
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
        conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
        if self.is_sqlite or len(rows) < BULK_MIN:
            marks = ", ".join("?" * len(columns))
            self.many(conn, f"INSERT INTO {table.name} ({cols}) VALUES ({marks}) {conflict}", rows)
            return
        tmp = self._staged(conn, table, columns, rows)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {tmp} {conflict}")

    def _staged(self, conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
        """COPY rows into a temporary table shaped like ``table`` (PostgreSQL's fast path for bulk writes)."""
        cols = ", ".join(columns)
        tmp = f"tmp_{table.name}_{zlib.crc32(cols.encode()):08x}"
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {tmp} AS SELECT {cols} FROM {table.name} WITH NO DATA")
        conn.exec_driver_sql(f"TRUNCATE {tmp}")
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY {tmp} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return tmp

    @contextmanager
    def small_cache(self, conn: Connection, kib: int = 65_536) -> Iterator[None]:
        """A smaller SQLite page cache for the duration, for a step that writes in key order.

        A county's import holds its source's whole picture in memory; its writes come in
        anchor order and need little cache, so the memory goes to the picture instead.
        """
        if not self.is_sqlite:
            yield
            return
        conn.exec_driver_sql(f"PRAGMA cache_size=-{kib}")
        try:
            yield
        finally:
            conn.exec_driver_sql(f"PRAGMA cache_size=-{CACHE_KIB}")

    def serving_cache(self, kib: int = 32_768) -> None:
        """Give every SQLite connection from now on a page cache of ``kib`` (a server's many threads each hold a
        connection, and the sync's 256 MiB apiece would add up to gigabytes); the pool starts afresh."""
        if not self.is_sqlite:
            return

        def smaller(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA cache_size=-{int(kib)}")
            cur.close()

        event.listen(self.engine, "connect", smaller)
        self.engine.dispose()

    def analyze(self, conn: Connection, table: Table) -> None:
        """Refresh the planner's statistics after a bulk load (PostgreSQL plans badly on stale ones)."""
        if not self.is_sqlite:
            conn.exec_driver_sql(f"ANALYZE {table.name}")

    def many(self, conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run ``sql`` (``?`` placeholders) once per row, straight through the driver.

        Bulk paths skip SQLAlchemy's statement compilation, which costs more than
        the database itself at a million rows.
        """
        if rows:
            conn.exec_driver_sql(self.q(sql), list(rows))

    def insert(self, conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert many rows: ``executemany`` on SQLite, ``COPY`` on PostgreSQL."""
        if not rows:
            return
        cols = ", ".join(columns)
        if self.is_sqlite:
            marks = ", ".join("?" * len(columns))
            # Table and column names come from edusync's own schema, never from input.
            conn.exec_driver_sql(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", list(rows))
            return
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def ensure_indexes(self) -> None:
        """Create any index of the schema that is missing (one dropped for a bulk load that died).

        Called by a run once it holds the run lock, never when the database is merely opened:
        a second command (``edusync runs``) must not build indexes behind a running bulk load.
        """
        with self.begin() as conn:
            for table in metadata.tables.values():
                for index in table.indexes:
                    conn.execute(CreateIndex(index, if_not_exists=True))

    @contextmanager
    def without_indexes(self, table: Table, names: Sequence[str]) -> Iterator[None]:
        """Drop secondary indexes for a bulk load and build them again after it.

        Building an index once over a million sorted keys is far cheaper than keeping
        it up to date through a million random inserts. ``IF EXISTS`` / ``IF NOT EXISTS``
        make both ends safe against any other connection.
        """
        with self.begin() as conn:
            for index in table.indexes:
                if index.name in names:
                    conn.execute(DropIndex(index, if_exists=True))
        try:
            yield
        finally:
            self.ensure_indexes()

    def migrate(self) -> None:
        # Importing Alembic costs a third of a second, more than a nightly delta's sync: a
        # database already at the newest revision (every run but the first after an upgrade) skips it.
        if self.current_revision() == newest_revision():
            return
        from alembic import command

        # Two commands opening a new database at once: one migrates, the other waits and finds it done.
        with self.serialized(MIGRATION_LOCK) as conn:
            if _revision_in(conn) == newest_revision():
                return
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            try:
                row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            except (OperationalError, ProgrammingError):  # a new, empty database
                return None
        return None if row is None else str(row[0])

    def dispose(self) -> None:
        self.engine.dispose()


def _revision_in(conn: Connection) -> str | None:
    if not conn.dialect.has_table(conn, "alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def alembic_config() -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    """The head as Alembic computes it from the migration scripts."""
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return head


def newest_revision() -> str:
    """The head by this project's convention: scripts are numbered in order, the newest names the head.

    Its ``revision = '…'`` line is read (a branch's revision may be ``0004_<branch>`` until it is merged).
    """
    newest = max((MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"), key=lambda p: p.name[:4])
    found = re.search(r"^revision = ['\"]([^'\"]+)['\"]", newest.read_text(encoding="utf-8"), re.M)
    return found.group(1) if found else newest.name[:4]


def open_database(url: str | None = None, base_dir: Path | None = None, *, migrate: bool = True) -> Database:
    """Connect, and bring the schema to the newest revision."""
    resolved = resolve_url(url, base_dir)
    try:
        engine = create_engine(resolved, future=True)
    except (SQLAlchemyError, ImportError) as exc:
        raise StorageError(f"cannot open database: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    db = Database(engine)
    if migrate:
        try:
            db.migrate()
        except OperationalError as exc:
            raise StorageError(f"cannot open or migrate the database: {exc.orig}") from exc
    return db
