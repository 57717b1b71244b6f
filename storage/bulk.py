"""Inserting rows that may exist already: the second write of the same thing changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Insert, Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import Base


def insert_new(session: AsyncSession, table: Table | type[Base], key: str) -> Insert:
    """An INSERT into a table (or a mapped class, for ORM RETURNING) that skips rows whose
    unique `key` is taken.

    PostgreSQL: ON CONFLICT (key) DO NOTHING. SQLite: INSERT OR IGNORE, which SQLAlchemy (unlike
    ON CONFLICT there) sends many rows at a time in one multi-row statement, see `create_engine`.
    OR IGNORE also skips rows breaking other constraints, so callers check rows before.
    """
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table).on_conflict_do_nothing(index_elements=[key])
    return insert(table).prefix_with("OR IGNORE")


async def insert_new_rows(session: AsyncSession, table: Table, key: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows in as few statements as the database allows, skipping taken keys."""
    if rows:
        await session.execute(insert_new(session, table, key), list(rows))
