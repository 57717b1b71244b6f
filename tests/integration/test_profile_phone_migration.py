"""Migration 0012 carries the phone a counsellor gave with "Verfügbar melden" over to the
staff account, where it is the one phone for queue calls and for calling customers back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from migrations.runner import downgrade, upgrade

NOW = dt.datetime(2026, 11, 26, 9, 30)


async def test_upgrading_to_0012_moves_the_presence_phone_to_the_account_and_back(engine: AsyncEngine) -> None:
    await downgrade(engine, "0011")
    async with engine.begin() as connection:
        for user_id, name in ((1, "anna"), (2, "bert")):
            await connection.execute(
                text(
                    "INSERT INTO staff_users (id, username, display_name, password_hash, active, created_at) "
                    "VALUES (:id, :name, :name, 'x', true, :now)"
                ),
                {"id": user_id, "name": name, "now": NOW},
            )
        await connection.execute(
            text(
                "INSERT INTO telephony_presence (user_id, phone, regions, available, misses, updated_at) "
                "VALUES (1, '+491712223334', '[]', true, 0, :now)"
            ),
            {"now": NOW},
        )
    await upgrade(engine)
    async with engine.begin() as connection:
        phones = await connection.execute(text("SELECT username, phone FROM staff_users ORDER BY id"))
        assert [tuple(row) for row in phones] == [("anna", "+491712223334"), ("bert", None)]
    await downgrade(engine, "0011")
    async with engine.begin() as connection:
        kept = await connection.execute(text("SELECT phone FROM telephony_presence WHERE user_id = 1"))
        assert kept.scalar_one() == "+491712223334"
    await upgrade(engine)
