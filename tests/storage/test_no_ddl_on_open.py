"""Opening the database never builds indexes behind a running bulk load (a second command during a sync)."""

from __future__ import annotations

from sqlalchemy import inspect

from edusync.pipeline.syncing.store import DEFERRED
from edusync.storage import Database, open_database, tables


def _indexes(db: Database) -> set[str]:
    return {ix["name"] for ix in inspect(db.engine).get_indexes("mv_objects") if ix["name"]}


def test_a_second_command_during_a_bulk_load_does_no_ddl(db: Database, database_url: str) -> None:
    with db.without_indexes(tables.mv_objects, DEFERRED):
        assert not _indexes(db) & set(DEFERRED), "the bulk load dropped its indexes"
        other = open_database(database_url)  # what `edusync tokens list` does meanwhile
        try:
            assert not _indexes(other) & set(DEFERRED), "opening the database built nothing"
        finally:
            other.dispose()
    assert set(DEFERRED) <= _indexes(db), "the bulk load built them again, without an error"


def test_building_an_index_that_another_connection_built_already_is_no_error(db: Database) -> None:
    with db.without_indexes(tables.mv_objects, DEFERRED):
        db.ensure_indexes()  # someone else put them back meanwhile
    assert set(DEFERRED) <= _indexes(db)
