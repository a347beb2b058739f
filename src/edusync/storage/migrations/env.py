"""Alembic environment: edusync passes its own connection in ``config.attributes``."""

from alembic import context

from edusync.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("edusync runs its migrations through edusync.storage.open_database")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
