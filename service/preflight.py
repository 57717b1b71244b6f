"""Database checks and sessions for commands, with operator-readable failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from migrations.revisions import code_head, database_revision
from service.failures import CommandFailed
from storage.engine import DatabaseUnavailable, create_engine, ping, session_factory


async def check_database(url: str) -> None:
    """Refuse to start unless the database answers and its schema is the newest."""
    engine = create_engine(url)
    try:
        await _require_current_schema(engine)
    finally:
        await engine.dispose()


async def _require_current_schema(engine: AsyncEngine) -> None:
    try:
        await ping(engine)
        current, head = await database_revision(engine), code_head()
    except DatabaseUnavailable as exc:
        raise CommandFailed(str(exc)) from None
    if current != head:
        raise CommandFailed(
            f"the database schema is at {current or 'nothing'}, the service needs {head}: run `hotline db upgrade`"
        )


async def upgrade_database(url: str) -> str | None:
    from migrations.runner import upgrade  # Alembic is loaded only by the command that needs it

    engine = create_engine(url)
    try:
        await ping(engine)
        await upgrade(engine)
        return await database_revision(engine)
    except DatabaseUnavailable as exc:
        raise CommandFailed(str(exc)) from None
    finally:
        await engine.dispose()


@asynccontextmanager
async def database_session(url: str) -> AsyncIterator[AsyncSession]:
    """A session for one command, committed on success; a clear failure if the database is away."""
    engine = create_engine(url)
    try:
        await _require_current_schema(engine)
        async with session_factory(engine).begin() as session:
            yield session
    finally:
        await engine.dispose()
