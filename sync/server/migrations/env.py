"""Alembic environment of the central store: migrations run on the connection `db.migrate` passes in (the server
and `agent-desktop server migrate` call it programmatically; there is no alembic.ini to keep in step)."""

from __future__ import annotations

from alembic import context

from sync.server.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `db.migrate` runs these scripts
    raise RuntimeError("run the central store's migrations through sync.server.db.migrate")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
