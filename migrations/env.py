"""Alembic environment: runs on a connection handed in by `migrations.runner`."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import migrations.tables  # noqa: F401  (registers every slice's tables)
from storage.base import Base

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `hotline db upgrade`, which hands Alembic a connection")
run_on(connection)
