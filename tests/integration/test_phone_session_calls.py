"""A phone session's call state on SQLite and PostgreSQL: it only moves forward, whatever order
Twilio's callbacks come in, and a session whose call ended is no longer open for a counsellor."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contacts.models import ContactEvent
from storage.engine import session_factory
from tests.integration.test_counselling import MONDAY_16, Texts, counselling, counsellor, invited
from tests.support import ManualClock
from video.models import CounsellingBooking
from video.service import Counselling


@pytest.fixture
def service(engine: AsyncEngine, clock: ManualClock) -> Counselling:
    return counselling(session_factory(engine), clock, Texts())


async def a_due_session(service: Counselling, clock: ManualClock) -> int:
    me = await counsellor(service, clock)
    [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, kind="phone")
    await service.book(token=await invited(service), slot_id=slot.id, mode="phone")
    clock.now = MONDAY_16.astimezone(dt.UTC)
    [due] = await service.claim_due_phone_sessions()
    return due.booking_id


async def state_and_events(service: Counselling, booking_id: int) -> tuple[str | None, list[str]]:
    async with service.sessions() as session:
        booking = await session.get(CounsellingBooking, booking_id)
        kinds = await session.scalars(
            select(ContactEvent.kind)
            .where(ContactEvent.reference == f"counselling:{booking_id}", ContactEvent.kind.like("counselling_call_%"))
            .order_by(ContactEvent.id)
        )
        assert booking is not None
        return booking.call_state, list(kinds)


async def test_the_call_state_moves_only_forward_and_logs_its_end_once(
    service: Counselling, clock: ManualClock
) -> None:
    booking_id = await a_due_session(service, clock)
    session = await service.phone_session(booking_id)
    assert session is not None and session.call_state is None
    for state in ("ringing_counsellor", "ringing_customer", "ringing_counsellor", "connected", "connected"):
        await service.note_session_call(booking_id, state=state)
    await service.note_session_call(booking_id, state="failed", error="the counsellor hung up")  # a late status
    await service.note_session_call(booking_id, state="ringing_customer")
    assert await state_and_events(service, booking_id) == (
        "connected",
        ["counselling_call_started", "counselling_call_connected"],
    )
    assert await service.phone_session(booking_id) is None  # a repeated "answered" finds nothing to dial


async def test_a_failed_call_stays_failed_and_unknown_states_are_refused(
    service: Counselling, clock: ManualClock
) -> None:
    booking_id = await a_due_session(service, clock)
    await service.note_session_call(booking_id, state="ringing_counsellor", counsellor_call_sid="CA" + "1" * 32)
    await service.note_session_call(booking_id, state="failed", error="no-answer")
    await service.note_session_call(booking_id, state="connected")
    assert await state_and_events(service, booking_id) == (
        "failed",
        ["counselling_call_started", "counselling_call_failed"],
    )
    with pytest.raises(ValueError):
        await service.note_session_call(booking_id, state="talking")
    await service.note_session_call(booking_id + 100, state="connected")  # an unknown booking: nothing happens
