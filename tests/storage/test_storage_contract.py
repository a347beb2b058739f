"""The storage contract, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edusync.storage import Database, open_database
from edusync.testing.storage_contract import StorageContract


class TestStorage(StorageContract):
    @pytest.fixture
    def db(self, database_url: str) -> Iterator[Database]:
        database = open_database(database_url)
        yield database
        database.dispose()
