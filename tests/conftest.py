"""Fixtures that build the real app on a real database: SQLite always, PostgreSQL where it runs.

PostgreSQL tests use a database of their own, created for the run and dropped after it; set
HOTLINE_REQUIRE_POSTGRES=1 (CI does) to fail instead of skipping when it cannot be reached.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import migrations.tables  # noqa: F401  (registers every slice's tables)
from migrations.runner import upgrade
from staff import accounts
from staff.passwords import hash_password
from storage.base import Base
from storage.engine import create_engine, session_factory
from tests.support import ManualClock, run_aside

# Creating and dropping a database waits for checkpoints: slow on a loaded machine, never hung.
ADMIN_TIMEOUT_S = 60
POSTGRES_ADMIN_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("HOTLINE_REQUIRE_POSTGRES") == "1"


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: they are the slowest, and a failure elsewhere should show first. It is
    also what keeps every other test working: a worker's Chromium is driven by Playwright's
    synchronous API, whose event loop stays registered as running in the main thread from the
    first browser test on, and pytest-asyncio cannot run an async test under it. So a test under
    tests/browser/ counts as one whether or not it carries the mark."""
    for item in items:
        if BROWSER_TESTS in item.path.parents and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _admin_command(sql: str) -> None:
    async def run() -> None:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            async with asyncio.timeout(ADMIN_TIMEOUT_S), engine.connect() as connection:
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    run_aside(run)


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

    run_aside(migrate)
    try:
        yield url
    finally:
        _admin_command(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def _each_password_hashed_once() -> Iterator[None]:
    """Accounts made in this process store the argon2id hash made for the first account with
    the same password: tests give their accounts the same few passwords, and a hash costs
    50-90 ms on a loaded machine, three or more a test. Each password is still hashed with
    argon2id (a fresh salt) the first time, and logging in still verifies against it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hash_password", functools.cache(hash_password))
        yield


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hotline.db'}"
    url: str | None = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} (set HOTLINE_REQUIRE_POSTGRES=1 to fail)")
    return url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file the migrations brought to head once for the run (per worker): a test's
    database starts as a copy of it, the schema the migrations make without their 0.2-0.3 s each."""
    path = tmp_path_factory.mktemp("migrated") / "hotline.db"

    async def migrate() -> None:
        engine = create_engine(f"sqlite:///{path}")
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()  # the last connection closing folds the WAL into the file

    run_aside(migrate)
    return path


@pytest.fixture
async def engine(database_url: str, migrated_sqlite: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty, migrated schema. The template is a plain argument, not looked up
    from inside this fixture: set up lazily within the test's running event loop, pytest-asyncio
    would start its session runner there and every later async test of the worker would fail
    ("Runner.run() cannot be called from a running event loop")."""
    if database_url.startswith("sqlite"):
        _start_from_migrated(Path(make_url(database_url).database or ""), migrated_sqlite)
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        await upgrade(engine)  # does nothing on the copy; migrates a file a test made itself
    else:
        await _empty(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _empty(engine: AsyncEngine) -> None:
    """Every row gone and every id counting from its start again. DELETE, children first, rather
    than TRUNCATE: TRUNCATE makes new files for each of the tables and their indexes, 0.3-0.9 s a
    test on a loaded machine against 0.03-0.04 s for deleting the few rows a test leaves."""
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())
        await connection.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
                " FROM pg_sequences WHERE schemaname = current_schema()"
            )
        )


def _start_from_migrated(database: Path, template: Path) -> None:
    """A copy of the migrated file, unless the test made a database there itself."""
    if not database.exists():
        shutil.copyfile(template, database)


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))
