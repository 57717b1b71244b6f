"""How calls end when nobody talks: inbound calls that end busy, unanswered, failed or canceled;
the counsellor's own phone not answering during "call now"; and the SMS to an unreached
customer that Twilio refuses."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import CallbackAttempt, Concern
from contacts.models import ContactEvent
from telephony.inbound.models import Call
from tests.e2e.conftest import TWILIO_OPEN, Client, log_in
from tests.e2e.test_worklist import (
    ANNA_PHONE,
    CUSTOMER,
    act,
    anna_holds_a_concern,
    anna_id,
    anna_takes_calls,
    concern,
    raise_one,
)
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock
from tests.twilio_requests import FakeTwilio, said

Setup = tuple[Client, FakeTwilio]
UNANSWERED = ["busy", "no-answer", "failed", "canceled"]


async def call_row(sessions: async_sessionmaker[AsyncSession], call_sid: str) -> Call:
    async with sessions() as session:
        found = await session.get(Call, call_sid)
    assert found is not None
    return found


async def events_of(sessions: async_sessionmaker[AsyncSession], reference: str) -> list[ContactEvent]:
    async with sessions() as session:
        rows = await session.scalars(
            select(ContactEvent).where(ContactEvent.reference == reference).order_by(ContactEvent.id)
        )
        return list(rows)


async def waiting_in_siegburg(client: Client) -> str:
    """What the counsellor page says about the Siegburg queue."""
    html = await (await client.get("/counsellor")).text()
    start = html.index("Geschäftsstelle Siegburg (")
    return html[start : html.index(")", start) + 1]


# --- inbound calls that end without a conversation ---------------------------------------------


@pytest.mark.parametrize("status", UNANSWERED)
async def test_a_call_ending_in_the_language_menu_is_logged_as_failed_not_abandoned(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, status: str
) -> None:
    _, caller = app_client
    await caller.post("/twilio/voice")  # the language menu; the caller hangs up before choosing
    clock.advance(seconds=7)
    ended_at = clock()
    reply_status, _ = await caller.post("/twilio/status", CallStatus=status)
    assert reply_status == 200
    call = await call_row(sessions, caller.call_sid)
    assert (call.status, call.ended_at, call.queued_at, call.answered_at) == (status, ended_at, None, None)
    events = await events_of(sessions, caller.call_sid)
    assert [e.kind for e in events] == ["call_received", "call_failed"]
    assert events[0].caller_pseudonym is not None  # the caller counts for repeat-caller figures
    assert events[1].detail == {"status": status} and events[1].occurred_at == ended_at
    assert events[1].duration_seconds is None


@pytest.mark.parametrize("status", UNANSWERED)
async def test_a_queued_caller_whose_call_ends_unanswered_is_abandoned_once_and_no_longer_waits(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, status: str
) -> None:
    client, caller = app_client
    await log_in(client, "anna")
    await caller.post("/twilio/voice/route?lang=de")
    await caller.post("/twilio/queue/wait?lang=de", QueuePosition="1", QueueTime="0")
    assert await waiting_in_siegburg(client) == "Geschäftsstelle Siegburg (1 wartend)"
    clock.advance(seconds=50)
    for _ in range(2):  # Twilio retries status callbacks
        await caller.post("/twilio/status", CallStatus=status)
    call = await call_row(sessions, caller.call_sid)
    assert (call.status, call.ended_at, call.answered_at) == (status, TWILIO_OPEN + dt.timedelta(seconds=50), None)
    events = await events_of(sessions, caller.call_sid)
    assert [e.kind for e in events] == ["call_received", "queued", "call_failed", "abandoned"]
    assert events[2].detail == {"status": status}
    assert events[3].detail == {"position": 1}
    assert await waiting_in_siegburg(client) == "Geschäftsstelle Siegburg (0 wartend)"


@pytest.mark.parametrize("status", UNANSWERED)
async def test_a_call_that_never_reached_our_webhooks_is_still_logged(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], status: str
) -> None:
    _, caller = app_client
    await caller.post("/twilio/status", CallStatus=status)
    call = await call_row(sessions, caller.call_sid)
    assert (call.region, call.status, call.queued_at) == ("siegburg", status, None)
    events = await events_of(sessions, caller.call_sid)
    assert [e.kind for e in events] == ["call_received", "call_failed"]  # never queued: not abandoned


async def test_a_completed_call_after_a_callback_request_is_not_an_abandon(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    _, caller = app_client
    await caller.post("/twilio/voice/route?lang=de")
    await caller.post("/twilio/queue/key?lang=de", Digits="1")
    await caller.post("/twilio/queue/done?lang=de", QueueResult="leave", QueueTime="30")
    await caller.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1")
    clock.advance(seconds=40)
    await caller.post("/twilio/status", CallStatus="completed", CallDuration="40")
    kinds = [e.kind for e in await events_of(sessions, caller.call_sid)]
    assert kinds == ["call_received", "queued", "left_queue_for_callback", "call_completed"]
    assert (await call_row(sessions, caller.call_sid)).outcome == "callback"


# --- the counsellor's own phone does not answer during "call now" ------------------------------


async def test_the_counsellors_phone_not_answering_does_not_count_against_the_customer(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    target = await anna_holds_a_concern(client, sessions, clock)
    status, _ = await act(client, target.reference, "call")
    assert status == 200
    async with sessions() as session:
        attempt = await session.scalar(select(CallbackAttempt))
    assert attempt is not None
    [ring] = [r for r in fake_api.requests if r.path.endswith("/Calls.json")]
    assert ring.form["To"] == ANNA_PHONE

    anna_leg = FakeTwilio(
        client, twilio.settings, to=ANNA_PHONE, caller="+4922419000100", call_sid=attempt.counsellor_call_sid or ""
    )
    clock.advance(seconds=30)
    for progress in ("ringing", "no-answer", "no-answer"):  # the final status comes twice
        reply, _ = await anna_leg.post(
            f"/twilio/attempt/status?attempt={attempt.id}", CallStatus=progress, Direction="outbound-api"
        )
        assert reply == 200

    held = await concern(sessions, target.reference)
    assert (held.status, held.attempts, held.next_attempt_at) == ("open", 0, None)
    assert held.claimed_by == await anna_id(sessions)  # still hers: she may try again at once
    async with sessions() as session:
        ended = await session.get(CallbackAttempt, attempt.id)
        customer_events = await session.scalars(
            select(ContactEvent.kind).where(ContactEvent.reference == f"concern:{target.reference}")
        )
        assert ended is not None
        assert (ended.outcome, ended.ended_at, ended.error) == ("error", clock(), "Ihr Telefon hat nicht geantwortet.")
        assert "callback_attempted" not in list(customer_events)
    page = await (await client.get(f"/concerns/{target.reference}")).text()
    assert page.count("Anruf nicht möglich") == 1  # one history line, however often Twilio told us
    assert "Ihr Telefon hat nicht geantwortet." in page
    assert [r for r in fake_api.requests if r.path.endswith("/Messages.json")] == []  # nobody texted

    status, _ = await act(client, target.reference, "call")  # the retry is one click
    assert status == 200
    assert len([r for r in fake_api.requests if r.path.endswith("/Calls.json")]) == 2


# --- the SMS to an unreached customer fails ----------------------------------------------------


async def test_a_refused_sms_to_an_unreached_customer_is_logged_and_the_concern_still_unreachable(
    app_client: Setup,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    fake_api: FakeTwilioApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, twilio = app_client
    target = await raise_one(sessions, clock, 1, callback_number=CUSTOMER)
    async with sessions.begin() as session:  # two attempts failed before today's last one
        stored = await session.get(Concern, target.id)
        assert stored is not None
        stored.attempts = 2
    await anna_takes_calls(sessions, clock)
    await log_in(client, "anna")
    await act(client, target.reference, "claim")
    await act(client, target.reference, "call")
    async with sessions() as session:
        attempt = await session.scalar(select(CallbackAttempt))
    assert attempt is not None
    leg = FakeTwilio(client, twilio.settings, to=ANNA_PHONE, caller="+4922419000100")

    fake_api.fail_next(1, 400, code=21612, message="The 'To' phone number is not currently reachable via SMS")
    with caplog.at_level(logging.WARNING):
        status, goodbye = await leg.post(f"/twilio/attempt/dialled?attempt={attempt.id}", DialCallStatus="no-answer")
    assert status == 200
    assert "Die Kundin oder der Kunde wurde nicht erreicht." in " ".join(said(goodbye))
    [refused] = [r for r in fake_api.requests if r.path.endswith("/Messages.json")]
    assert refused.status == 400 and refused.form["To"] == CUSTOMER
    [record] = [r for r in caplog.records if r.getMessage() == "could not text an unreached customer"]
    assert record.levelno >= logging.WARNING and getattr(record, "concern", None) == target.reference

    final = await concern(sessions, target.reference)
    assert (final.status, final.attempts, final.claimed_by, final.callback_number) == (
        "unreachable",
        3,
        None,
        CUSTOMER,
    )
    kinds = [e.kind for e in await events_of(sessions, f"concern:{target.reference}")]
    assert kinds[-2:] == ["callback_attempted", "concern_unreachable"]
    assert "sms_sent" not in kinds  # no SMS claimed that was never sent
    listed = await (await client.get("/worklist?status=unreachable")).text()
    assert target.reference in listed
