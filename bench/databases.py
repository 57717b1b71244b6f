"""Databases of the benchmarks' own: a fresh PostgreSQL database on the loopback server (dropped
at the end) or a SQLite file in a temporary directory."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import create_engine

ADMIN_URL = os.environ.get("HOTLINE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def admin(sql: str) -> None:
    """One statement on the server's maintenance connection (CREATE or DROP DATABASE)."""
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


def url_of(name: str) -> str:
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database(backend: str, file_name: str = "bench.db") -> AsyncIterator[str]:
    """The URL of an empty database of `backend` ("postgresql" or "sqlite"), gone afterwards."""
    if backend == "postgresql":
        name = f"hotline_bench_{secrets.token_hex(4)}"
        await admin(f'CREATE DATABASE "{name}"')
        try:
            yield url_of(name)
        finally:
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory(prefix="hotline-bench-") as scratch:
            yield f"sqlite:///{Path(scratch) / file_name}"
