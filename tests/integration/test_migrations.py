"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from migrations.runner import current_revision, downgrade, head_revision, upgrade
from storage.base import Base


async def test_upgrade_reaches_head_and_matches_the_models(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == head_revision()

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_upgrade_twice_changes_nothing(engine: AsyncEngine) -> None:
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


async def test_downgrade_to_base_and_back(engine: AsyncEngine) -> None:
    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}

    await downgrade(engine, "base")
    async with engine.connect() as connection:
        assert await connection.run_sync(tables) == set()
    await upgrade(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(tables) == {t.name for t in Base.metadata.sorted_tables}


async def test_the_start_up_check_reads_the_same_revisions_as_alembic(engine: AsyncEngine) -> None:
    from migrations.revisions import code_head, database_revision

    assert code_head() == head_revision()
    assert await database_revision(engine) == await current_revision(engine)
    await downgrade(engine, "base")
    assert await database_revision(engine) is None
    await upgrade(engine)
