"""Another process locks the database for 30 s: callers, staff and monitors still get answers in time.

SQLite: `BEGIN EXCLUSIVE` held by another process. PostgreSQL: `LOCK TABLE … IN ACCESS EXCLUSIVE
MODE` on every table of the service. Meanwhile every voice webhook must answer within 3 s (the
caller hears the fallback where the database was needed), `/readyz` within 2 s and a staff page
within 5 s (on SQLite a page that only reads is served as usual: reads do not queue behind the
writer); what callers asked for while the lock was held (callbacks, voicemails) is written once the
lock is gone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callbacks.models import Concern
from service.app import Overrides, create_app
from telephony.edge.late_work import LateWork
from tests.e2e.conftest import Client, log_in
from tests.lock_holder import locked_by_another_process
from tests.support import ManualClock, make_settings
from tests.twilio_requests import FakeTwilio, new_sid

LOCK_SECONDS = 30.0
ROUNDS = 3  # webhooks at the start, in the middle and near the end of the lock
VOICE_LIMIT, READY_LIMIT, PAGE_LIMIT = 3.0, 2.0, 5.0
SATURDAY = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)  # lines closed: the callback menu


@pytest.fixture
async def app(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    staff: None,
) -> AsyncIterator[tuple[Client, LateWork]]:
    late_work = LateWork(delays=[0.5] * 240, try_seconds=60.0)  # keeps trying for the whole lock and after
    settings = make_settings(tmp_path, database_url)
    overrides = Overrides(clock=clock, engine=engine, late_work=late_work, run_jobs=False)
    client = await aiohttp_client(create_app(settings, overrides=overrides))
    yield client, late_work
    await client.close()


async def timed(request: Awaitable[tuple[int, ET.Element | str]]) -> tuple[float, int, ET.Element | str]:
    started = time.monotonic()
    status, answer = await request
    return time.monotonic() - started, status, answer


async def test_callers_staff_and_monitors_get_answers_in_time_while_another_process_locks_the_database(
    app: tuple[Client, LateWork],
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    client, late_work = app
    settings = make_settings(tmp_path, database_url)
    clock.now = SATURDAY
    assert await log_in(client, "anna") == 303
    recording_url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/"
    voice: list[float] = []
    asked_for = 0
    with locked_by_another_process(database_url):
        started = time.monotonic()
        for round_ in range(ROUNDS):
            callers = [FakeTwilio(client, settings, caller=f"+49176100{round_}{n:04d}") for n in range(12)]
            recordings = [new_sid("RE") for _ in range(3)]
            requests = [
                *(callers[n].post("/twilio/voice") for n in range(3)),
                *(callers[n].post("/twilio/voice/language", Digits="1") for n in range(3, 6)),
                *(callers[n].post("/twilio/callback/answer?lang=de", Digits="1") for n in range(6, 9)),
                *(
                    callers[n].post(
                        "/twilio/voicemail/done?lang=de",
                        RecordingSid=recordings[n - 9],
                        RecordingUrl=recording_url + recordings[n - 9],
                        RecordingDuration="12",
                    )
                    for n in range(9, 12)
                ),
            ]
            answers = await asyncio.gather(*(timed(r) for r in requests))
            asked_for += 6
            for seconds, status, answer in answers:
                voice.append(seconds)
                assert status == 200 and isinstance(answer, ET.Element) and answer.tag == "Response"
                assert answer[-1].tag in ("Hangup", "Redirect"), ET.tostring(answer)  # never dead air
            ready_started = time.monotonic()
            ready = await client.get("/readyz")
            assert ready.status == 503 and time.monotonic() - ready_started < READY_LIMIT
            page_started = time.monotonic()
            page = await client.get("/worklist")
            assert time.monotonic() - page_started < PAGE_LIMIT
            if database_url.startswith("sqlite"):
                assert page.status == 200  # reads have connections of their own and go on in WAL mode
            else:
                assert page.status == 503  # every table is locked, for reading too
                assert "Vorübergehend nicht verfügbar" in await page.text()
            next_round = started + (round_ + 1) * LOCK_SECONDS / ROUNDS
            await asyncio.sleep(max(next_round - time.monotonic(), 0))  # the lock is real time: wait it out
    assert max(voice) < VOICE_LIMIT, f"slowest voice answer {max(voice):.2f} s"
    await asyncio.wait_for(late_work.settled(), 120)
    assert late_work.lost == 0
    async with sessions() as session:
        written = await session.scalar(select(func.count()).select_from(Concern))
    assert written == asked_for  # every callback and voicemail asked for during the lock, written after it
    assert (await client.get("/readyz")).status == 200
