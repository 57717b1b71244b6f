"""What a caller takes away: the reference, read slowly and again on request, and sent by SMS to
mobiles once; hours and web address for a caller the menu lost (counselling's option 3: see
test_counselling_phone). Webhook by webhook against the real app, its SMS through the fake Twilio API."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callbacks.models import Concern
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.models import ContactEvent
from service import keys
from service.app import Overrides, create_app
from tests.e2e.conftest import Client
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, make_settings
from tests.twilio_requests import FakeTwilio, first, said, verbs

Setup = tuple[Client, FakeTwilio]
# Saturday 28 November 2026, 10:30 in Siegburg: the hotline is closed, counselling is on until 12:00.
SATURDAY = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)


async def the_concern(sessions: async_sessionmaker[AsyncSession]) -> Concern:
    async with sessions() as session:
        [concern] = list(await session.scalars(select(Concern)))
    return concern


async def reference_texts(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        events = await session.scalars(select(ContactEvent).where(ContactEvent.kind == "sms_sent"))
        return sum(1 for event in events if event.detail.get("reason") == "reference")


async def test_the_caller_hears_the_reference_slowly_and_once_more_on_key_1(
    app_client: Setup, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    _, twilio = app_client
    clock.now = SATURDAY
    _, done = await twilio.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1")
    concern = await the_concern(sessions)
    spoken = concern.reference.replace("-", " ")
    assert said(done)[1:] == [
        f"Ihre Vorgangsnummer lautet {spoken}.",
        "Zum Wiederholen drücken Sie die 1.",
        "Vielen Dank für Ihren Anruf. Auf Wiederhören.",
    ]
    action = first(done, "Gather").get("action")
    assert action == f"/twilio/reference/again?lang=de&reference={concern.reference}&attempt=1"
    _, again = await twilio.post(action, Digits="1")
    assert said(again) == [
        f"Ihre Vorgangsnummer lautet {spoken}.",
        "Zum Wiederholen drücken Sie die 1.",
        "Vielen Dank für Ihren Anruf. Auf Wiederhören.",
    ]
    _, other_key = await twilio.post(action, Digits="5")
    assert said(other_key) == ["Vielen Dank für Ihren Anruf. Auf Wiederhören."]
    assert verbs(other_key) == ["Say", "Hangup"]
    _, forged = await twilio.post("/twilio/reference/again?lang=de&reference=not-a-reference", Digits="1")
    assert said(forged) == ["Vielen Dank für Ihren Anruf. Auf Wiederhören."]


async def test_the_reference_goes_to_a_mobile_by_sms_once_though_twilio_retries_the_webhook(
    app_client: Setup, clock: ManualClock, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    clock.now = SATURDAY
    for _ in range(2):  # Twilio retries a webhook it got no answer to in time
        await twilio.post("/twilio/callback/answer?lang=tr&attempt=1", Digits="1")
    await client.app[keys.TEXTS].settled()
    concern = await the_concern(sessions)
    [sms] = fake_api.messages.values()
    assert (sms["to"], sms["from"]) == ("+4917612345678", "+4922419000100")
    assert sms["body"] == (
        f"Jobcenter, Geschäftsstelle Siegburg: Talebiniz alındı. Dosya numaranız: {concern.reference}."
    )
    assert await reference_texts(sessions) == 1


async def test_a_landline_gets_no_sms_but_hears_the_reference(
    app_client: Setup, clock: ManualClock, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    clock.now = SATURDAY
    twilio.caller = "anonymous"
    _, done = await twilio.post("/twilio/callback/number?lang=de&attempt=1", Digits="022419876543#")
    concern = await the_concern(sessions)
    assert concern.callback_number == "+4922419876543"
    assert f"Ihre Vorgangsnummer lautet {concern.reference.replace('-', ' ')}." in said(done)
    await client.app[keys.TEXTS].settled()
    assert fake_api.messages == {} and await reference_texts(sessions) == 0


async def test_a_caller_the_menu_lost_hears_the_hours_and_without_a_website_only_the_hours(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    deployment = dataclasses.replace(load_deployment(EXAMPLE_DEPLOYMENT), website=None)
    settings = make_settings(tmp_path, database_url)
    client = await aiohttp_client(
        create_app(settings, overrides=Overrides(clock=clock, engine=engine, deployment=deployment))
    )
    twilio = FakeTwilio(client, settings)
    twilio.to = "+4922419000200"  # Troisdorf
    clock.now = SATURDAY
    _, end = await twilio.post("/twilio/closed/choice?lang=en&attempt=3", Digits="7")
    assert said(end) == [
        "Our telephone hours are: Monday, Wednesday and Friday from 8 am to 12 noon; Tuesday and Thursday "
        "from 8 am to 12 noon and from 1 pm to 4:30 pm.",
        "Thank you for calling. Goodbye.",
    ]
    assert verbs(end)[-1] == "Hangup"
