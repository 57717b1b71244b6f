"""Another process holding the database locked, as a backup job or a stuck migration would.

`locked_by_another_process(url)` holds it for the length of a `with` block (tests and benches).
Run alone: python -m tests.lock_holder sqlite PATH | postgresql URL TABLE[,TABLE...]; it prints
"locked" once it holds the lock, and holds it until its standard input closes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).parents[1]


@contextmanager
def locked_by_another_process(database_url: str) -> Iterator[None]:
    """SQLite: `BEGIN EXCLUSIVE`. PostgreSQL: `LOCK TABLE … IN ACCESS EXCLUSIVE MODE` on every table
    of the service, for reading too. Held from entering the block until leaving it."""
    if database_url.startswith("sqlite"):
        args = ["sqlite", database_url.removeprefix("sqlite:///")]
    else:
        import migrations.tables  # noqa: F401  (every table the lock covers)
        from storage.base import Base

        args = ["postgresql", database_url, ", ".join(t.name for t in Base.metadata.sorted_tables)]
    command = [sys.executable, "-m", "tests.lock_holder", *args]
    holder = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.communicate(input="", timeout=30)  # closing its input releases the lock


def hold_sqlite(path: str) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    sys.stdin.read()
    connection.execute("ROLLBACK")


async def hold_postgresql(url: str, tables: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
            print("locked", flush=True)
            await asyncio.to_thread(sys.stdin.read)
    finally:
        await connection.close()


if __name__ == "__main__":
    if sys.argv[1] == "sqlite":
        hold_sqlite(sys.argv[2])
    else:
        asyncio.run(hold_postgresql(sys.argv[2], sys.argv[3]))
