"""Async engines for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy import exc as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage import deadlines

_BUSY_TIMEOUT_MS = 10_000
READERS = 4  # SQLite: read connections beside the one that writes


class DatabaseUnavailable(Exception):
    """The database cannot be reached or used; the message says why, for an operator."""


def is_transient(error: BaseException) -> bool:
    """A failure of the database or the network that may pass (locked, down, too slow), as
    opposed to a bug: worth a retry, and a 503 rather than a 500."""
    if isinstance(error, sa.DBAPIError):
        return isinstance(error, sa.OperationalError | sa.InterfaceError) or error.connection_invalidated
    return isinstance(error, sa.TimeoutError | TimeoutError | OSError | DatabaseUnavailable)


def async_url(url: str) -> URL:
    """The URL with the async driver this service uses for its database family."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    family = parsed.get_backend_name()
    if family == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if family == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f'unsupported database "{family}"')


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An engine tuned for the database family: WAL and serialised writes on SQLite."""
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        if target.database and target.database != ":memory:":
            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        # One connection per process: transactions queue for it in order. With a pool, writers
        # race for SQLite's lock and its busy handler lets newcomers overtake, starving some for
        # seconds (measured: p99 1.3 s at 200 webhooks/s, 46 ms with one connection).
        options.setdefault("pool_size", 1)
        options.setdefault("max_overflow", 0)
        options.setdefault("pool_timeout", 30)
        engine = create_async_engine(target, connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000}, **options)
        # Many rows in one multi-row INSERT instead of one step per row. aiosqlite's thread
        # must win the GIL back from the busy event loop after every step, which made a
        # thousand rows take a second under load (the arrival log's rounds, measured).
        engine.sync_engine.dialect.use_insertmanyvalues_wo_returning = True
        _configure_sqlite(engine)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 10)
    return create_async_engine(target, **options)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so every transaction starts IMMEDIATE:
        # writers then queue on the busy timeout instead of failing on a lock upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_read_engine(writer: AsyncEngine, readers: int = READERS) -> AsyncEngine:
    """Connections for reading only, beside the writer's. SQLite in WAL mode lets readers go on
    while a transaction (ours, or another process's lock) holds the write lock, so on SQLite
    reads get a small pool of their own and never queue behind a write for the one writing
    connection. PostgreSQL's pool serves both."""
    database = writer.url.database
    if writer.dialect.name != "sqlite" or not database or database == ":memory:":
        return writer
    engine = create_async_engine(
        writer.url,
        connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000},
        pool_size=readers,
        max_overflow=0,
        pool_timeout=10,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")  # a write here is a bug, refused by SQLite itself
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.close()

    return engine


class Sessions(async_sessionmaker[AsyncSession]):
    """`sessions.begin()` opens a unit of work that may write; `sessions()` a session that only
    reads, on the read engine (see `create_read_engine`). Loaded objects stay usable after
    commit: handlers render them afterwards."""

    def __init__(self, writer: AsyncEngine, reader: AsyncEngine | None = None) -> None:
        super().__init__(reader or writer, expire_on_commit=False)
        self.writes = async_sessionmaker(writer, expire_on_commit=False)

    def begin(self) -> Any:  # SQLAlchemy's own context manager, whose type is private
        return self.writes.begin()


def session_factory(engine: AsyncEngine, reader: AsyncEngine | None = None) -> Sessions:
    """Sessions writing through `engine`, reading through `reader` (the same engine if none)."""
    return Sessions(engine, reader)


async def ping(engine: AsyncEngine, within: float = 2.0, *, ready_for_work: bool = False) -> None:
    """Raise `DatabaseUnavailable` unless the database answers within `within` seconds, and
    with `ready_for_work` unless the service's tables can be used (not locked by another
    process). Never waits longer: on SQLite the check runs beside the engine's one connection,
    where a stuck transaction would hold it."""
    try:
        await deadlines.within(within, _ping(engine, within, ready_for_work))
    except Exception as exc:  # any driver error means the same to an operator: not usable
        raise DatabaseUnavailable(_describe(engine, exc)) from exc


async def _ping(engine: AsyncEngine, within: float, ready_for_work: bool) -> None:
    if engine.dialect.name == "sqlite":
        # Its own connection (SQLite's connections cost nothing): the engine's single one may be
        # busy, and aiosqlite could not give it back before its busy wait ends.
        await asyncio.to_thread(_sqlite_ping, engine.url.database or ":memory:", within, ready_for_work)
        return
    async with engine.connect() as connection:
        # Ready for work: a table every call writes to answers, not just the server; a table
        # locked by a migration or a backup leaves the service as unable to work as a server down.
        await connection.execute(text("SELECT 1 FROM telephony_calls LIMIT 1" if ready_for_work else "SELECT 1"))


def _sqlite_ping(path: str, within: float, ready_for_work: bool) -> None:
    connection = sqlite3.connect(path, timeout=within * 0.75, isolation_level=None)
    try:
        if ready_for_work:
            connection.execute("BEGIN IMMEDIATE")  # writable: no other process holds the lock
            connection.execute("ROLLBACK")
        else:
            connection.execute("SELECT 1")
    finally:
        connection.close()


def _describe(engine: AsyncEngine, exc: BaseException) -> str:
    where = engine.url.set(drivername=engine.url.get_backend_name()).render_as_string(hide_password=True)
    reason = "timed out" if isinstance(exc, TimeoutError) else (str(exc).strip() or type(exc).__name__)
    return f"database {where} is not reachable: {reason.splitlines()[0]}"
