"""Fixtures that build the real app on a real database: SQLite always, PostgreSQL where it runs.

PostgreSQL tests use a database of their own, created for the run and dropped after it; set
HOTLINE_REQUIRE_POSTGRES=1 (CI does) to fail instead of skipping when it cannot be reached.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import migrations.tables  # noqa: F401  (registers every slice's tables)
from migrations.runner import upgrade
from storage.base import Base
from storage.engine import create_engine, session_factory
from tests.support import ManualClock

# Creating and dropping a database waits for checkpoints: slow on a loaded machine, never hung.
ADMIN_TIMEOUT_S = 60
POSTGRES_ADMIN_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("HOTLINE_REQUIRE_POSTGRES") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: they are the slowest, and a failure elsewhere should show first."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _run_aside(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine on a loop of its own in a thread: session fixtures may be set up while
    a test's event loop is already running, where `asyncio.run` would refuse."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(work())).result()


def _admin_command(sql: str) -> None:
    async def run() -> None:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            async with asyncio.timeout(ADMIN_TIMEOUT_S), engine.connect() as connection:
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    _run_aside(run)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A freshly created, migrated PostgreSQL database for this run, or None if none is reachable."""
    name = f"hotline_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        _admin_command(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # unreachable server, missing role: the same to the test run
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (HOTLINE_REQUIRE_POSTGRES=1) but not usable: {exc}")
        yield None
        return
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    async def migrate() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    _run_aside(migrate)
    try:
        yield url
    finally:
        _admin_command(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hotline.db'}"
    url: str | None = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} (set HOTLINE_REQUIRE_POSTGRES=1 to fail)")
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty, migrated schema."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        await upgrade(engine)
    else:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))
