"""The storage contract, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edusync.storage import Database, open_database
from edusync.storage.database import head_revision, newest_revision
from edusync.testing.storage_contract import StorageContract


class TestStorage(StorageContract):
    @pytest.fixture
    def db(self, database_url: str) -> Iterator[Database]:
        database = open_database(database_url)
        yield database
        database.dispose()


def test_the_naming_convention_names_alembics_head() -> None:
    """Opening a database skips Alembic when it is at the newest script's prefix: that must be Alembic's head."""
    assert newest_revision() == head_revision()
