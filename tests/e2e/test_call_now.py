"""Calling a customer now: asked first outside the region's hotline hours or the customer's
window, and the call's state for the live concern page, as Twilio's callbacks report it."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import CallbackAttempt, Concern
from tests.e2e.conftest import Client, log_in
from tests.e2e.test_worklist import (
    ANNA_PHONE,
    CUSTOMER,
    Setup,
    act,
    anna_holds_a_concern,
    anna_id,
    anna_takes_calls,
    concern,
    raise_one,
)
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock
from tests.twilio_requests import FakeTwilio

HOTLINE = "+4922419000100"


async def call_state(client: Client, reference: str) -> dict[str, object]:
    response = await client.get(f"/concerns/{reference}/call-state")
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    return dict(await response.json())


async def attempts_made(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CallbackAttempt)) or 0)


async def test_at_night_the_counsellor_is_asked_first_and_may_call_anyway(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    target = await anna_holds_a_concern(client, sessions, clock)
    clock.now = dt.datetime(2026, 11, 26, 0, 56, tzinfo=dt.UTC)  # Thursday 01:56 in Siegburg
    # claims last a while; keep hers for the night call
    async with sessions.begin() as session:
        held = await session.get(Concern, target.id)
        assert held is not None
        held.claim_expires_at = clock() + dt.timedelta(minutes=15)

    status, page = await act(client, target.reference, "call")
    assert status == 200
    assert "Es ist 01:56, außerhalb der Telefonzeiten. Trotzdem anrufen?" in page
    assert re.search(r'<input type="hidden" name="confirmed" value="yes">', page)
    assert re.search(rf'<form method="get" action="/concerns/{target.reference}"', page)  # cancel: back, nothing done
    assert await attempts_made(sessions) == 0 and not [r for r in fake_api.requests if r.path.endswith("/Calls.json")]

    status, page = await act(client, target.reference, "call", confirmed="yes")
    assert status == 200 and await attempts_made(sessions) == 1
    [ring] = [r for r in fake_api.requests if r.path.endswith("/Calls.json")]
    assert ring.form["To"] == ANNA_PHONE


async def test_outside_the_customers_window_the_question_names_the_window(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    # Thursday 10:30 in Siegburg, lines open; the customer asked for 14:00–16:00 that day.
    target = await raise_one(
        sessions,
        clock,
        1,
        callback_number=CUSTOMER,
        window_start=dt.datetime(2026, 11, 26, 13, 0, tzinfo=dt.UTC),
        window_end=dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC),
    )
    await anna_takes_calls(sessions, clock)
    await log_in(client, "anna")
    await act(client, target.reference, "claim")
    status, page = await act(client, target.reference, "call")
    assert status == 200
    assert (
        "Es ist 10:30, außerhalb des Zeitfensters, das die Kundin oder der Kunde angegeben hat. Trotzdem anrufen?"
        in page
    )
    assert "Angegebenes Zeitfenster: 26.11.2026, 14:00 – 16:00" in page
    assert await attempts_made(sessions) == 0
    clock.now = dt.datetime(2026, 11, 26, 13, 30, tzinfo=dt.UTC)  # inside the window: no question
    async with sessions.begin() as session:
        held = await session.get(Concern, target.id)
        assert held is not None
        held.claim_expires_at = clock() + dt.timedelta(minutes=15)
    await log_in(client, "anna")  # three hours on: her login has lapsed
    status, page = await act(client, target.reference, "call")
    assert status == 200 and "Trotzdem anrufen?" not in page and await attempts_made(sessions) == 1


async def test_the_call_state_follows_twilios_callbacks_to_the_end(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, twilio = app_client
    target = await raise_one(sessions, clock, 1, callback_number=CUSTOMER)
    await anna_takes_calls(sessions, clock)
    await log_in(client, "anna")
    assert await call_state(client, target.reference) == {"state": "idle", "outcome": None, "attempts": 0}
    await act(client, target.reference, "claim")
    status, page = await act(client, target.reference, "call")
    assert status == 200
    assert 'id="call-state"' in page and 'role="status"' in page and "call_state.js" in page
    async with sessions() as session:
        attempt = await session.scalar(select(CallbackAttempt))
    assert attempt is not None
    states = [await call_state(client, target.reference)]

    leg = FakeTwilio(twilio.client, twilio.settings, to=ANNA_PHONE, caller=HOTLINE)
    await leg.post(f"/twilio/attempt/connect?attempt={attempt.id}")
    states.append(await call_state(client, target.reference))
    customer = FakeTwilio(twilio.client, twilio.settings, to=CUSTOMER, caller=HOTLINE)
    await customer.post(f"/twilio/attempt/amd?attempt={attempt.id}", AnsweredBy="human")
    states.append(await call_state(client, target.reference))
    await leg.post(f"/twilio/attempt/connect?attempt={attempt.id}")  # a late repeat goes not back
    states.append(await call_state(client, target.reference))
    await leg.post(f"/twilio/attempt/dialled?attempt={attempt.id}", DialCallStatus="completed")
    states.append(await call_state(client, target.reference))

    assert states == [
        {"state": "ringing_counsellor", "outcome": None, "attempts": 0},
        {"state": "ringing_customer", "outcome": None, "attempts": 0},
        {"state": "connected", "outcome": None, "attempts": 0},
        {"state": "connected", "outcome": None, "attempts": 0},
        {"state": "ended", "outcome": "reached", "attempts": 1},
    ]
    page = await (await client.get(f"/concerns/{target.reference}")).text()
    assert "Der Anruf ist beendet. erreicht" in page and "call_state.js" not in page  # nothing left to ask


async def test_the_call_state_is_for_staff_of_the_region_only(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    eitorf = await raise_one(sessions, clock, 1, region="eitorf", callback_number=CUSTOMER)
    response = await client.get(f"/concerns/{eitorf.reference}/call-state", allow_redirects=False)
    assert response.status in (302, 303, 401)  # not logged in
    await log_in(client, "anna")
    refused = await client.get(f"/concerns/{eitorf.reference}/call-state")
    assert refused.status == 403 and CUSTOMER not in await refused.text()
    assert (await client.get("/concerns/NO-SUCH-1/call-state")).status == 404
    assert (await concern(sessions, eitorf.reference)).claimed_by is None
    assert await anna_id(sessions) > 0


async def test_a_call_that_connected_counts_as_reached_even_without_the_dial_outcome(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, twilio = app_client
    target = await anna_holds_a_concern(client, sessions, clock)
    await act(client, target.reference, "call")
    async with sessions() as session:
        attempt = await session.scalar(select(CallbackAttempt))
    assert attempt is not None
    leg = FakeTwilio(twilio.client, twilio.settings, to=ANNA_PHONE, caller=HOTLINE)
    await leg.post(f"/twilio/attempt/connect?attempt={attempt.id}")
    await leg.post(f"/twilio/attempt/amd?attempt={attempt.id}", AnsweredBy="human")
    # Anna's leg ends; the <Dial> action request never came (lost on the way).
    await leg.post(f"/twilio/attempt/status?attempt={attempt.id}", CallStatus="completed", Direction="outbound-api")
    assert await call_state(client, target.reference) == {"state": "ended", "outcome": "reached", "attempts": 1}
