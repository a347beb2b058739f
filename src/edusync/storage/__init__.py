"""Persistence: SQLAlchemy Core tables over SQLite (default) or PostgreSQL, migrated by Alembic."""

from edusync.storage.database import Database, open_database

__all__ = ["Database", "open_database"]
