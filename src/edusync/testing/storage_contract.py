"""The storage contract as tests: what the engine relies on from every database backend.

Subclass :class:`StorageContract` and provide a ``db`` fixture: an
:class:`~edusync.storage.Database` on an empty database, migrated.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from edusync.errors import StorageError
from edusync.storage import Database, tables
from edusync.storage.database import head_revision


class StorageContract:
    @pytest.fixture
    def db(self) -> Database:
        raise NotImplementedError("provide a `db` fixture")

    def test_migrations_reach_head_and_match_the_tables(self, db: Database) -> None:
        assert db.current_revision() == head_revision()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": _not_backend_only})
            diff = compare_metadata(context, tables.metadata)
        assert diff == [], f"the migrations and storage/tables.py disagree: {diff}"

    def test_migrating_again_is_harmless(self, db: Database) -> None:
        db.migrate()
        assert db.current_revision() == head_revision()

    def test_bulk_insert_and_many_round_trip_text(self, db: Database) -> None:
        rows = [("c", "person", f"æøå-{i}", "h", '{"navn": "Åse"}', "present", True, 1, 1) for i in range(2500)]
        cols = ("connector", "object_type", "anchor", "hash", "attrs", "state", "dirty", "seen_run", "changed_run")
        with db.begin() as conn:
            db.insert(conn, tables.cs_objects, cols, rows)
            db.many(conn, "UPDATE cs_objects SET state = ? WHERE anchor = ?", [("gone", "æøå-7")])
        with db.begin() as conn:
            got = dict(conn.execute(select(tables.cs_objects.c.anchor, tables.cs_objects.c.state)).all())
        assert len(got) == 2500 and got["æøå-7"] == "gone" and got["æøå-8"] == "present"

    def test_upsert_overwrites_by_key(self, db: Database) -> None:
        key = {"connector": "fint", "object_type": "elev"}
        with db.begin() as conn:
            db.upsert(conn, tables.watermarks, [{**key, "value": "1", "run_id": 1}], ["connector", "object_type"])
            db.upsert(conn, tables.watermarks, [{**key, "value": "2", "run_id": 2}], ["connector", "object_type"])
        with db.begin() as conn:
            assert conn.execute(select(tables.watermarks.c.value)).scalars().all() == ["2"]

    def test_a_failed_transaction_leaves_nothing(self, db: Database) -> None:
        cols = ("connector", "object_type", "anchor", "hash", "attrs", "state", "dirty", "seen_run", "changed_run")
        row = ("c", "person", "A1", "h", "{}", "present", True, 1, 1)
        with pytest.raises(StorageError), db.begin() as conn:
            db.insert(conn, tables.cs_objects, cols, [row])
            db.insert(conn, tables.cs_objects, cols, [row])  # duplicate anchor: the unique key refuses it
        with db.begin() as conn:
            assert conn.execute(select(tables.cs_objects.c.id)).all() == []

    def test_database_errors_become_storage_errors(self, db: Database) -> None:
        with pytest.raises(StorageError), db.begin() as conn:
            conn.exec_driver_sql("SELECT * FROM no_such_table")


def _not_backend_only(name: str | None, type_: str, parents: object) -> bool:
    """A back end's own text index (:data:`edusync.storage.tables.BACKEND_ONLY`) is not in the metadata."""
    return not (name or "").startswith(tables.BACKEND_ONLY)
