"""Migration 0011 clears the PINs counsellors chose before (the "already taken" answer may have
given them away) and lets two counsellors hold the same PIN digest."""

from __future__ import annotations

import datetime as dt

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from migrations.runner import alembic_config, downgrade, upgrade

NOW = dt.datetime(2026, 11, 26, 9, 30)


async def test_upgrading_to_0011_clears_chosen_pins_and_drops_their_uniqueness(engine: AsyncEngine) -> None:
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0011").down_revision
    assert isinstance(before, str)
    await downgrade(engine, before)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO staff_users (id, username, display_name, password_hash, active, created_at) "
                "VALUES (1, 'anna', 'Anna', 'x', true, :now)"
            ),
            {"now": NOW},
        )
        await connection.execute(
            text(
                "INSERT INTO telephony_presence (user_id, regions, available, misses, pin_digest, updated_at) "
                "VALUES (1, '[]', false, 0, :digest, :now)"
            ),
            {"digest": "a" * 64, "now": NOW},
        )
    await upgrade(engine)
    async with engine.begin() as connection:
        assert (await connection.execute(text("SELECT pin_digest FROM telephony_presence"))).scalar_one() is None
        await connection.execute(
            text(
                "INSERT INTO staff_users (id, username, display_name, password_hash, active, created_at) "
                "VALUES (2, 'bert', 'Bert', 'x', true, :now)"
            ),
            {"now": NOW},
        )
        await connection.execute(text("UPDATE telephony_presence SET pin_digest = :digest"), {"digest": "b" * 64})
        await connection.execute(
            text(
                "INSERT INTO telephony_presence (user_id, regions, available, misses, pin_digest, updated_at) "
                "VALUES (2, '[]', false, 0, :digest, :now)"
            ),
            {"digest": "b" * 64, "now": NOW},
        )
        count = await connection.execute(
            text("SELECT count(*) FROM telephony_presence WHERE pin_digest = :d"), {"d": "b" * 64}
        )
        assert count.scalar_one() == 2
