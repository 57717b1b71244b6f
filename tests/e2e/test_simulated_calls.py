"""Whole calls played by the call simulator against the real app, as planners and tests use it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import Concern
from telephony.simulator.calls import simulate_call
from tests.e2e.conftest import Client
from tests.support import ManualClock, make_settings

SATURDAY = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)


async def call(client: Client, database_url: str, tmp_path: Path, to: str, *presses: str) -> list[str]:
    settings = make_settings(tmp_path, database_url)
    transcript = await simulate_call(
        base_url=str(client.make_url("")).rstrip("/"),
        public_url=settings.public_url,
        auth_token=settings.webhook_auth_token,
        account_sid=settings.webhook_account_sid,
        to=to,
        from_="+4915112345678",
        presses=presses,
    )
    assert not transcript.errors, transcript.render()
    return transcript.said()


async def test_closed_line_voicemail_from_ring_to_goodbye(
    client: Client, database_url: str, tmp_path: Path, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = SATURDAY
    said = await call(client, database_url, tmp_path, "+49 2243 9000 400", "1", "2")
    assert said[:3] == [
        "Herzlich willkommen beim Jobcenter, Geschäftsstelle Eitorf.",
        "Für Deutsch drücken Sie die 1.",
        "For English, press 2.",
    ]
    assert "Sie rufen außerhalb unserer Telefonzeiten an." in said
    saved = said.index("Vielen Dank, Ihre Nachricht ist gespeichert. Wir melden uns bei Ihnen.")
    assert said[saved + 1].startswith("Ihre Vorgangsnummer lautet ")
    assert said[-2:] == ["Zum Wiederholen drücken Sie die 1.", "Vielen Dank für Ihren Anruf. Auf Wiederhören."]
    async with sessions() as session:
        [voicemail] = list(await session.scalars(select(Concern)))
    assert voicemail.channel == "voicemail" and voicemail.recording_duration == 12
    assert voicemail.recording_url is not None and voicemail.callback_number == "+4915112345678"


async def test_a_caller_who_presses_nothing_hears_the_menu_three_times_and_goodbye(
    client: Client, database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    clock.now = SATURDAY
    said = await call(client, database_url, tmp_path, "+49 2243 9000 400")
    assert said.count("Für einen Rückruf drücken Sie die 1.") == 3
    assert said[-1] == "Vielen Dank für Ihren Anruf. Auf Wiederhören."
