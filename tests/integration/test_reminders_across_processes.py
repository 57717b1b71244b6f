"""Two service processes run the reminder round at the same moment against one database (SQLite
file, PostgreSQL): every reminder is claimed in the database first, so each goes exactly once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contacts.models import ContactEvent
from storage.engine import session_factory
from telephony.outbound.models import OutboxEntry
from tests.integration.test_counselling import MONDAY_16, Texts, counselling, counsellor, invited
from tests.reminder_round import reminder_rounds
from tests.support import ManualClock

CUSTOMERS = [f"+49151000000{n:02d}" for n in range(6)]


async def test_two_processes_reminding_at_once_send_each_reminder_once(
    engine: AsyncEngine, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    service = counselling(session_factory(engine), clock, Texts())
    for n, customer in enumerate(CUSTOMERS):  # six sessions at the same time, each with its counsellor
        me = await counsellor(service, clock, f"berater{n}")
        [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, kind="phone")
        await service.book(token=await invited(service, customer), slot_id=slot.id, mode="phone")

    day_before = MONDAY_16.astimezone(dt.UTC) - dt.timedelta(hours=23, minutes=59)
    sent = reminder_rounds(database_url, tmp_path / "var", day_before)

    assert sum(sent) == len(CUSTOMERS)
    async with service.sessions() as session:
        texts = list(await session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "sms")))
        reminded = list(await session.scalars(select(ContactEvent).where(ContactEvent.kind == "counselling_reminded")))
    assert sorted(text.to_number or "" for text in texts) == CUSTOMERS  # one each, none twice
    assert all(text.body and text.body.startswith("Erinnerung, Jobcenter") for text in texts)
    assert len(reminded) == len(CUSTOMERS)
