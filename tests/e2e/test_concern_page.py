"""One concern in detail: what the page tells a counsellor about the customer, every call made
with who made it and how it ended, and releasing the concern."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import CallbackAttempt
from staff.accounts import create_user
from telephony.counsellors.callback_calls import HUNG_UP_FIRST
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.e2e.test_worklist import (
    ANNA_PHONE,
    CUSTOMER,
    Setup,
    act,
    anna_holds_a_concern,
    concern,
    raise_one,
    ring_anna,
)
from tests.support import ManualClock, csrf_from
from tests.twilio_requests import FakeTwilio


def fact(page: str, term: str) -> str:
    """The text of the <dd> after the <dt> named `term`."""
    found = re.search(rf"<dt>{re.escape(term)}</dt><dd>(.*?)</dd>", page, re.S)
    assert found is not None, term
    return found.group(1)


async def page_of(client: Client, reference: str) -> str:
    return await (await client.get(f"/concerns/{reference}")).text()


async def test_the_page_shows_the_number_to_tap_the_region_and_the_language_by_name(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1, callback_number="+491712223334", language="tr")
    await log_in(client, "anna")
    page = await page_of(client, target.reference)
    assert fact(page, "Rückrufnummer") == '<a href="tel:+49-171-2223334">0171 2223334</a>'
    assert fact(page, "Region") == "Geschäftsstelle Siegburg"
    assert fact(page, "Sprache") == "Türkisch"
    assert "+491712223334</" not in page  # never the raw E.164 as text


async def test_a_call_is_in_the_history_at_once_and_counted_when_it_ends(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, twilio = app_client
    target = await anna_holds_a_concern(client, sessions, clock)
    attempt_id = await ring_anna(client, twilio, sessions, target.reference)

    page = await page_of(client, target.reference)
    assert "Anruf gestartet – von anna" in page  # who placed it, before Twilio has said anything
    assert re.search(r"<td>anna</td><td>läuft</td>", page)

    leg = FakeTwilio(twilio.client, twilio.settings, to=ANNA_PHONE, caller="+4922419000100")
    await leg.post(f"/twilio/attempt/connect?attempt={attempt_id}")
    await leg.post(f"/twilio/attempt/dialled?attempt={attempt_id}", DialCallStatus="busy")
    page = await page_of(client, target.reference)
    assert fact(page, "Versuche") == '<span id="attempt-count">1</span> (nächster ab 26.11.2026, 11:00)'
    assert re.search(r"<td>anna</td><td>besetzt</td>", page)
    assert "Anrufversuch: besetzt – von anna" in page


async def test_hanging_up_before_the_customer_answers_ends_the_attempt_without_counting_it(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, twilio = app_client
    target = await anna_holds_a_concern(client, sessions, clock)
    attempt_id = await ring_anna(client, twilio, sessions, target.reference)
    leg = FakeTwilio(twilio.client, twilio.settings, to=ANNA_PHONE, caller="+4922419000100")
    await leg.post(f"/twilio/attempt/connect?attempt={attempt_id}")
    clock.advance(seconds=20)
    # Anna's leg ends while the customer's phone still rings: Twilio reports no <Dial> outcome.
    await leg.post(f"/twilio/attempt/status?attempt={attempt_id}", CallStatus="completed", Direction="outbound-api")

    async with sessions() as session:
        attempt = await session.get(CallbackAttempt, attempt_id)
    assert attempt is not None
    assert (attempt.outcome, attempt.ended_at, attempt.error) == ("error", clock(), HUNG_UP_FIRST)
    held = await concern(sessions, target.reference)
    assert (held.attempts, held.status) == (0, "open")
    page = await page_of(client, target.reference)
    assert f"Anruf nicht möglich: {HUNG_UP_FIRST} – von anna" in page


async def test_release_is_an_action_that_frees_the_concern_for_colleagues(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    await log_in(client, "anna")
    await act(client, target.reference, "claim")
    page = await page_of(client, target.reference)
    assert re.search(r'<button type="submit" name="action" value="release"[^>]*>Freigeben</button>', page)
    status, page = await act(client, target.reference, "release")
    assert status == 200 and "Das Anliegen ist freigegeben" in page
    assert (await concern(sessions, target.reference)).claimed_by is None
    assert "freigegeben – von anna" in page
    english = await (await client.get(f"/concerns/{target.reference}", params={"lang": "en"})).text()
    assert "released – by anna" in english
    async with sessions() as session:
        assert await session.scalar(select(CallbackAttempt)) is None


async def test_a_colleague_sees_who_holds_the_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    async with sessions.begin() as session:
        await create_user(
            session, username="ben", password=PASSWORD, roles=["counsellor"], regions=["siegburg"], now=clock()
        )
    await log_in(client, "anna")
    await act(client, target.reference, "claim")
    await client.post("/logout", data={"csrf_token": csrf_from(await page_of(client, target.reference))})
    await log_in(client, "ben")
    page = await page_of(client, target.reference)
    assert "Wird gerade bearbeitet von anna." in page
    assert re.search(r'value="claim" disabled', page)


async def test_without_a_twilio_account_the_page_says_call_now_rings_no_phone(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """`make run` has no Twilio account: a call only lands in the outbox, and the page says so
    rather than showing "your phone rings in a moment" for ever."""
    target = await anna_holds_a_concern(client, sessions, clock)
    page = await page_of(client, target.reference)
    assert "kein Telefon klingelt" in page and '<a href="/outbox">Zum Postausgang</a>' in page


async def test_with_a_twilio_account_there_is_no_such_note(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1, callback_number=CUSTOMER)
    await log_in(client, "anna")
    await act(client, target.reference, "claim")
    assert "kein Telefon klingelt" not in await page_of(client, target.reference)
