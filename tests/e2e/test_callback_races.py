"""Twilio delivering the same webhook twice at once (a retry overtaking a slow first answer):
one concern, one contact event, and both deliveries answered as if each were the only one."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.util import await_only

from callbacks.models import Concern, ConcernSource
from contacts.models import ContactEvent
from tests.e2e.conftest import Client
from tests.support import ManualClock
from tests.twilio_requests import FakeTwilio, first, new_sid, said, verbs

Setup = tuple[Client, FakeTwilio]
SATURDAY = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)  # closed: the menu offers a callback
CONFIRMED = "Vielen Dank, Ihr Rückrufwunsch ist eingegangen."
ROUNDS = 4  # each round a new caller: interleavings differ from round to round


async def at_once(*requests: Awaitable[tuple[int, object]]) -> list[tuple[int, object]]:
    return list(await asyncio.gather(*requests))


async def concerns_of(sessions: async_sessionmaker[AsyncSession], number: str) -> list[Concern]:
    async with sessions() as session:
        return list(await session.scalars(select(Concern).where(Concern.callback_number == number)))


async def kinds_for(sessions: async_sessionmaker[AsyncSession], *references: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(ContactEvent.kind).where(ContactEvent.reference.in_(references)).order_by(ContactEvent.id)
        )
        return list(rows)


def caller(app_client: Setup, n: int) -> FakeTwilio:
    client, twilio = app_client
    return FakeTwilio(client, twilio.settings, caller=f"+49176100000{n:02d}", call_sid=new_sid("CA"))


def assert_confirmed(answers: list[tuple[int, object]]) -> None:
    for status, document in answers:
        assert status == 200
        assert said(document)[0].startswith(CONFIRMED), said(document)  # type: ignore[arg-type]
        assert verbs(document)[-1] == "Hangup"  # type: ignore[arg-type]


async def test_a_callback_request_from_the_queue_delivered_twice_at_once_makes_one_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    for n in range(ROUNDS):
        call = caller(app_client, n)
        await call.post("/twilio/voice/route?lang=de")
        await call.post("/twilio/queue/key?lang=de", Digits="1")
        await call.post("/twilio/queue/done?lang=de", QueueResult="leave", QueueTime="20")
        answers = await at_once(
            call.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1"),
            call.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1"),
        )
        assert_confirmed(answers)
        [concern] = await concerns_of(sessions, call.caller)
        assert concern.channel == "phone_callback" and concern.call_sid == call.call_sid
        assert await kinds_for(sessions, call.call_sid, f"concern:{concern.reference}") == [
            "call_received",
            "queued",
            "left_queue_for_callback",
            "callback_requested",
            "sms_sent",  # the reference, to the caller's mobile, once
        ]


async def test_a_callback_request_on_the_closed_line_delivered_twice_at_once_makes_one_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    clock.now = SATURDAY
    for n in range(ROUNDS):
        call = caller(app_client, n)
        _, offer = await call.post("/twilio/closed/choice?lang=de&attempt=1", Digits="1")
        assert first(offer, "Gather").get("action") == "/twilio/callback/answer?lang=de&attempt=1"
        answers = await at_once(
            call.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1"),
            call.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1"),
        )
        assert_confirmed(answers)
        [concern] = await concerns_of(sessions, call.caller)
        assert await kinds_for(sessions, f"concern:{concern.reference}") == ["callback_requested", "sms_sent"]


async def test_a_first_sight_of_a_call_delivered_twice_at_once_makes_one_call_and_one_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """Neither the call row nor the concern exists when both deliveries arrive."""
    clock.now = SATURDAY
    for n in range(ROUNDS):
        call = caller(app_client, n)
        answers = await at_once(
            call.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1"),
            call.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1"),
        )
        assert_confirmed(answers)
        [concern] = await concerns_of(sessions, call.caller)
        assert await kinds_for(sessions, call.call_sid, f"concern:{concern.reference}") == [
            "call_received",
            "callback_requested",
            "sms_sent",
        ]


async def test_an_sms_callback_request_delivered_twice_at_once_makes_one_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    _, twilio = app_client
    for n in range(ROUNDS):
        sender = f"+49176200000{n:02d}"
        sms = {"MessageSid": new_sid("SM"), "From": sender, "To": twilio.to, "Body": "RUECKRUF"}
        answers = await at_once(twilio.post_fields("/twilio/sms", sms), twilio.post_fields("/twilio/sms", sms))
        for status, reply in answers:
            assert status == 200
            assert (first(reply, "Message").text or "").startswith("Jobcenter: Ihr Rückrufwunsch ist eingegangen.")
        [concern] = await concerns_of(sessions, sender)
        assert concern.channel == "sms"
        assert await kinds_for(sessions, sms["MessageSid"], f"concern:{concern.reference}") == [
            "sms_received",
            "callback_requested",
            "sms_sent",
        ]


async def test_three_deliveries_at_once_leave_one_source_row(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    clock.now = SATURDAY
    call = caller(app_client, 99)
    await call.post("/twilio/closed/choice?lang=de&attempt=1", Digits="1")
    answers = await at_once(*(call.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1") for _ in range(3)))
    assert_confirmed(answers)
    async with sessions() as session:
        sources = await session.scalar(
            select(func.count()).select_from(ConcernSource).where(ConcernSource.source_key.like(f"{call.call_sid}%"))
        )
    assert sources == 1
    assert len(await concerns_of(sessions, call.caller)) == 1


async def test_a_retry_that_finds_the_first_deliverys_concern_half_way_is_still_confirmed(
    app_client: Setup, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """The interleaving PostgreSQL allows: the retry has looked for its source (none yet), the first
    delivery commits, then the retry looks for an open concern of the number and finds it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's one connection runs the deliveries one after the other")
    clock.now = SATURDAY
    call = caller(app_client, 42)
    await call.post("/twilio/closed/choice?lang=de&attempt=1", Digits="1")
    paused, release = asyncio.Event(), asyncio.Event()

    def hold_the_first_lookup(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM concerns" in statement and "concerns.callback_number =" in statement and not paused.is_set():
            paused.set()
            await_only(asyncio.wait_for(release.wait(), 10))  # this delivery waits; the other one runs

    event.listen(engine.sync_engine, "before_cursor_execute", hold_the_first_lookup)
    try:
        deliveries = [
            asyncio.ensure_future(call.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1")) for _ in range(2)
        ]
        done, _ = await asyncio.wait(deliveries, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        assert paused.is_set() and len(done) == 1, "the interleaving was not produced"
        release.set()
        answers = [await delivery for delivery in deliveries]
    finally:
        release.set()
        event.remove(engine.sync_engine, "before_cursor_execute", hold_the_first_lookup)
    assert_confirmed(answers)
    [concern] = await concerns_of(sessions, call.caller)
    assert await kinds_for(sessions, f"concern:{concern.reference}") == ["callback_requested", "sms_sent"]
