"""Another process holding the database locked, as a backup job or a stuck migration would.

Run: python -m tests.lock_holder sqlite PATH | postgresql URL TABLE[,TABLE...]
Prints "locked" once it holds the lock, and holds it until its standard input closes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys


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
