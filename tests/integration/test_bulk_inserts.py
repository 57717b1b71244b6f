"""Many rows in few statements, and rows whose key is taken skipped, on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.bulk import insert_new_rows
from telephony.inbound.models import Call

CALLS = cast(Table, Call.__table__)
T0 = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)


def call_row(number: int, region: str = "siegburg") -> dict[str, Any]:
    return {
        "call_sid": f"CA{number:032x}",
        "region": region,
        "direction": "inbound",
        "status": "in-progress",
        "started_at": T0,
    }


async def test_many_rows_go_in_one_statement_and_taken_keys_are_skipped(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await insert_new_rows(session, CALLS, "call_sid", [call_row(0, region="eitorf")])
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if sql.lstrip().upper().startswith("INSERT"):
            statements.append(sql)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with sessions.begin() as session:
            await insert_new_rows(session, CALLS, "call_sid", [call_row(n) for n in range(500)])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    if engine.dialect.name == "sqlite":
        # One multi-row statement: aiosqlite's thread takes the GIL back once, not 500 times.
        [statement] = statements
        assert statement.count("VALUES (") == 1 and statement.count("), (") == 499
    async with sessions() as session:
        regions = list(await session.scalars(select(Call.region).order_by(Call.call_sid)))
    assert regions == ["eitorf"] + ["siegburg"] * 499  # the first row was there before
