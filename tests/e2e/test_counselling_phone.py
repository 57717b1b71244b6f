"""Counselling over the phone, webhook by webhook against the real app with the fake Twilio API:
option 3 on the closed line (a booking link by SMS to mobiles, the web address and the menu for
everyone else), BERATUNG by SMS, and a booked phone session from the link to the connected call."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from yarl import URL

from config.deployment import VideoSettings
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.models import ContactEvent
from service import keys
from service.app import Overrides, create_app
from staff.models import StaffUser
from telephony.outbound.models import OutboxEntry
from tests.e2e.conftest import Client
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from, make_settings
from tests.twilio_requests import FakeTwilio, first, new_sid, said, verbs
from video.errors import CounsellingRefused
from video.models import CounsellingBooking, CounsellingInvitation
from video.service import Counselling

Setup = tuple[Client, FakeTwilio]
BERLIN = ZoneInfo("Europe/Berlin")
LINK_SMS = {
    "de": "Jobcenter Geschäftsstelle Siegburg: Hier buchen Sie Ihre Telefon- oder Videoberatung: ",
    "en": "Jobcenter Geschäftsstelle Siegburg: book your phone or video counselling here: ",
}
# Saturday 28 November 2026, 10:30 in Siegburg: the hotline is closed, counselling is on until 12:00.
SATURDAY = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
MONDAY_16 = dt.datetime(2026, 11, 30, 16, 0, tzinfo=BERLIN)  # in Siegburg's counselling hours
HOTLINE = "+4922419000100"
MOBILE = "+4917612345678"  # FakeTwilio's caller
LANDLINE = "+4922419876543"
COUNSELLOR_PHONE = "+4922419000555"
HOURS = (
    "Telefon- und Videoberatung gibt es auch außerhalb der Telefonzeiten: "
    "Montag von 16 bis 19 Uhr; Samstag von 9 bis 12 Uhr."
)
LINK_COMING = "Wir senden Ihnen jetzt einen Link per SMS, mit dem Sie einen Termin buchen können."
GOODBYE = "Vielen Dank für Ihren Anruf. Auf Wiederhören."
LANDLINE_WORDING = [
    HOURS,
    "Informationen zur Beratung finden Sie im Internet unter www.jobcenter-rhein-sieg.de.",
    "Einen Termin dafür trägt Ihnen eine Beraterin oder ein Berater bei einem Rückruf ein.",
    "Für einen Rückruf drücken Sie die 1.",
    "Um eine Nachricht zu hinterlassen, drücken Sie die 2.",
]


async def events(sessions: async_sessionmaker[AsyncSession], *kinds: str) -> list[ContactEvent]:
    async with sessions() as session:
        query = select(ContactEvent).order_by(ContactEvent.id)
        if kinds:
            query = query.where(ContactEvent.kind.in_(kinds))
        return list(await session.scalars(query))


async def invitations(sessions: async_sessionmaker[AsyncSession]) -> list[CounsellingInvitation]:
    async with sessions() as session:
        return list(await session.scalars(select(CounsellingInvitation)))


async def texts_sent(client: Client, fake_api: FakeTwilioApi) -> list[dict[str, Any]]:
    await client.app[keys.TEXTS].settled()
    return list(fake_api.messages.values())


# --- option 3 on the closed line ----------------------------------------------------------------


async def test_a_caller_on_a_mobile_gets_one_booking_link_by_sms_though_twilio_retries(
    app_client: Setup, clock: ManualClock, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    clock.now = SATURDAY
    for _ in range(2):  # Twilio retries a webhook it got no answer to in time
        status, answer = await twilio.post("/twilio/closed/choice?lang=de&attempt=1", Digits="3")
        assert status == 200
        assert said(answer) == [HOURS, LINK_COMING, GOODBYE]
        assert verbs(answer) == ["Say", "Say", "Say", "Hangup"]
    [sms] = await texts_sent(client, fake_api)
    assert (sms["to"], sms["from"]) == (MOBILE, HOTLINE)
    assert sms["body"].startswith(LINK_SMS["de"])
    link = sms["body"].split()[-1]
    assert link.startswith("http://127.0.0.1:8080/termin/") and MOBILE.lstrip("+") not in link
    [invitation] = await invitations(sessions)
    assert (invitation.source, invitation.source_key) == ("closed_line", f"{twilio.call_sid}:counselling")
    [sent] = await events(sessions, "counselling_link_sent")
    assert sent.channel == "sms" and sent.detail == {"source": "closed_line"}
    assert MOBILE not in str(sent.detail) and sent.caller_pseudonym not in (None, MOBILE)


async def test_the_english_caller_hears_english_and_gets_the_link_in_english(
    app_client: Setup, clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    clock.now = SATURDAY
    _, answer = await twilio.post("/twilio/closed/choice?lang=en&attempt=1", Digits="3")
    assert said(answer)[1:] == [
        "We are now sending you a link by text message to book an appointment.",
        "Thank you for calling. Goodbye.",
    ]
    [sms] = await texts_sent(client, fake_api)
    assert sms["body"].startswith(LINK_SMS["en"])


@pytest.mark.parametrize("caller", [LANDLINE, "anonymous"], ids=["landline", "withheld"])
async def test_a_caller_without_a_mobile_hears_the_web_address_and_books_on_a_callback(
    caller: str,
    app_client: Setup,
    clock: ManualClock,
    sessions: async_sessionmaker[AsyncSession],
    fake_api: FakeTwilioApi,
) -> None:
    client, twilio = app_client
    clock.now = SATURDAY
    twilio.caller = caller
    _, answer = await twilio.post("/twilio/closed/choice?lang=de&attempt=1", Digits="3")
    assert said(answer) == LANDLINE_WORDING
    assert first(answer, "Gather").get("action") == "/twilio/closed/choice?lang=de&attempt=1"
    _, callback = await twilio.post("/twilio/closed/choice?lang=de&attempt=1", Digits="1")
    assert said(callback)[0].startswith("Zum Datenschutz")
    assert await texts_sent(client, fake_api) == [] and await invitations(sessions) == []


@pytest.mark.parametrize("failure", [CounsellingRefused("number_cannot_text"), RuntimeError("database gone")])
async def test_when_no_booking_link_can_be_made_the_caller_hears_the_way_by_callback(
    failure: Exception,
    app_client: Setup,
    clock: ManualClock,
    fake_api: FakeTwilioApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuse(self: Counselling, **_: object) -> None:
        raise failure

    monkeypatch.setattr(Counselling, "invite", refuse)
    client, twilio = app_client
    clock.now = SATURDAY
    status, answer = await twilio.post("/twilio/closed/choice?lang=de&attempt=1", Digits="3")
    assert status == 200 and said(answer) == LANDLINE_WORDING  # no dead air, no promise of an SMS
    assert await texts_sent(client, fake_api) == []


async def test_without_video_the_closed_line_still_sends_the_link_for_a_phone_session(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    deployment = dataclasses.replace(load_deployment(EXAMPLE_DEPLOYMENT), video=VideoSettings())
    assert not deployment.video.configured
    settings = make_settings(tmp_path, database_url)
    overrides = Overrides(clock=clock, engine=engine, deployment=deployment, run_jobs=False)
    client = await aiohttp_client(create_app(settings, overrides=overrides))
    clock.now = SATURDAY
    twilio = FakeTwilio(client, settings)
    _, menu = await twilio.post("/twilio/voice/route?lang=de")
    assert said(menu)[-1] == "Für eine Telefonberatung drücken Sie die 3."  # no video promised
    _, answer = await twilio.post("/twilio/closed/choice?lang=de&attempt=1", Digits="3")
    phone_hours = HOURS.replace("Telefon- und Videoberatung", "Telefonberatung")
    assert said(answer) == [phone_hours, LINK_COMING, GOODBYE]
    await client.app[keys.TEXTS].settled()
    assert len(await invitations(sessions)) == 1  # the SMS went to the outbox: no Twilio account here
    async with sessions() as session:
        body = await session.scalar(select(OutboxEntry.body).where(OutboxEntry.kind == "sms"))
    assert body is not None and body.startswith(
        "Jobcenter Geschäftsstelle Siegburg: Hier buchen Sie Ihre Telefonberatung: "
    )


# --- BERATUNG by SMS ---------------------------------------------------------------------------


async def text(twilio: FakeTwilio, body: str, sender: str = MOBILE, sid: str | None = None) -> Any:
    fields = {"MessageSid": sid or new_sid("SM"), "From": sender, "To": HOTLINE, "Body": body}
    status, reply = await twilio.post_fields("/twilio/sms", fields)
    assert status == 200
    return reply


@pytest.mark.parametrize("body", ["BERATUNG", "  beratung bitte\n", "Beratung", "COUNSELLING please"])
async def test_beratung_by_sms_answers_with_the_booking_link_alone(
    body: str,
    app_client: Setup,
    clock: ManualClock,
    sessions: async_sessionmaker[AsyncSession],
    fake_api: FakeTwilioApi,
) -> None:
    client, twilio = app_client
    clock.now = SATURDAY
    sid = new_sid("SM")
    for _ in range(2):  # delivered twice
        reply = await text(twilio, body, sid=sid)
        assert reply.find("Message") is None  # no second message beside the link's
    [sms] = await texts_sent(client, fake_api)
    assert sms["to"] == MOBILE and "/" in sms["body"].split()[-1]
    english = body.strip().upper().startswith("COUNSELLING")
    assert sms["body"].startswith(LINK_SMS["en" if english else "de"])
    [invitation] = await invitations(sessions)
    assert (invitation.source, invitation.source_key) == ("sms", f"{sid}:counselling")
    received = await events(sessions, "sms_received", "sms_sent", "counselling_link_sent")
    assert [(e.kind, e.detail) for e in received] == [
        ("sms_received", {"keyword": "counselling"}),
        ("counselling_link_sent", {"source": "sms"}),
    ]


async def test_the_help_text_names_beratung_and_a_landline_asking_for_it_gets_help(
    app_client: Setup, clock: ManualClock, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    clock.now = SATURDAY
    help_text = (
        "Jobcenter-Hotline Geschäftsstelle Siegburg: Antworten Sie mit RUECKRUF, und wir rufen Sie zurück. "
        "Mit BERATUNG erhalten Sie einen Link, um einen Beratungstermin zu buchen."
    )
    assert first(await text(twilio, "Hallo?"), "Message").text == help_text
    assert first(await text(twilio, "BERATUNG", sender=LANDLINE), "Message").text == help_text
    assert first(await text(twilio, "BERATUNG", sender="+4930123456"), "Message").text == help_text
    assert await texts_sent(client, fake_api) == [] and await invitations(sessions) == []


# --- a phone session, from the closed line to the connected call -------------------------------


async def test_a_phone_session_from_the_closed_line_to_the_connected_call(
    app_client: Setup, clock: ManualClock, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    counselling = client.app[keys.COUNSELLING]
    async with sessions.begin() as session:
        anna = await session.scalar(select(StaffUser).where(StaffUser.username == "anna"))
        assert anna is not None
        anna.phone = COUNSELLOR_PHONE
    [slot] = await counselling.publish(counsellor_id=anna.id, region_id="siegburg", start=MONDAY_16, kind="either")

    # Saturday: the caller presses 3 on the closed line and gets the link.
    clock.now = SATURDAY
    await twilio.post("/twilio/voice")
    await twilio.post("/twilio/voice/language", Digits="1")
    _, answer = await twilio.post("/twilio/closed/choice?lang=de&attempt=1", Digits="3")
    assert LINK_COMING in said(answer)
    [link_sms] = await texts_sent(client, fake_api)

    # The customer opens the link and books the slot by phone on the booking page.
    path = URL(link_sms["body"].split()[-1]).path
    page = await client.get(path)
    assert page.status == 200 and f'value="{slot.id}-phone"' in await page.text()
    form = {"csrf_token": csrf_from(await page.text()), "choice": f"{slot.id}-phone"}
    booked = await client.post(path, data=form, allow_redirects=False)
    assert booked.status == 303 and booked.headers["Location"].startswith("/buchung/")
    async with sessions() as session:
        [booking] = list(await session.scalars(select(CounsellingBooking)))
    assert (booking.phone, booking.mode, booking.slot_id) == (MOBILE, "phone", slot.id)
    [_, confirmation] = await texts_sent(client, fake_api)
    assert confirmation["body"].startswith("Jobcenter Geschäftsstelle Siegburg: Wir rufen Sie am ")

    # The reminders: a day before and a quarter of an hour before, one SMS each.
    clock.now = MONDAY_16.astimezone(dt.UTC) - dt.timedelta(hours=23, minutes=59)
    assert await counselling.send_reminders() == 1
    assert await counselling.send_reminders() == 0
    clock.now = MONDAY_16.astimezone(dt.UTC) - dt.timedelta(minutes=14)
    assert await counselling.send_reminders() == 1
    reminders = (await texts_sent(client, fake_api))[2:]
    assert [r["body"].startswith("Erinnerung, Jobcenter Geschäftsstelle Siegburg") for r in reminders] == [True, True]

    # At the start the job rings the counsellor, once.
    clock.now = MONDAY_16.astimezone(dt.UTC) + dt.timedelta(seconds=20)
    dialer = client.app[keys.PHONE_SESSIONS]
    assert await dialer.ring_due() == 1
    assert await dialer.ring_due() == 0
    [ring] = [r for r in fake_api.requests if r.path.endswith("/Calls.json")]
    assert (ring.form["To"], ring.form["From"]) == (COUNSELLOR_PHONE, HOTLINE)
    assert ring.form["Url"] == f"http://127.0.0.1:8080/twilio/session/connect?booking={booking.id}"
    assert ring.form["StatusCallback"] == f"http://127.0.0.1:8080/twilio/session/status?booking={booking.id}"
    counsellor_sid = next(iter(fake_api.calls))
    assert await call_state(sessions, booking.id) == "ringing_counsellor"

    # The counsellor answers: the announcement, then the customer is dialled from the hotline's number.
    leg = FakeTwilio(client, twilio.settings, to=COUNSELLOR_PHONE, caller=HOTLINE, call_sid=counsellor_sid)
    _, bridge = await leg.post(f"/twilio/session/connect?booking={booking.id}", Direction="outbound-api")
    assert said(bridge) == ["Beratungstermin. Die Kundin oder der Kunde wird jetzt verbunden."]
    dial = first(bridge, "Dial")
    assert dial.get("callerId") == HOTLINE and dial.get("action") == f"/twilio/session/dialled?booking={booking.id}"
    number = first(bridge, "Number")
    assert number.text == MOBILE and number.get("statusCallbackEvent") == "answered"
    assert await call_state(sessions, booking.id) == "ringing_customer"

    # The customer answers; the call ends; late and repeated news change nothing.
    customer = FakeTwilio(client, twilio.settings, to=MOBILE, caller=HOTLINE)
    await customer.post(str(number.get("statusCallback")), CallStatus="in-progress", Direction="outbound-dial")
    assert await call_state(sessions, booking.id) == "connected"
    _, end = await leg.post(str(dial.get("action")), DialCallStatus="completed", DialCallSid=customer.call_sid)
    assert verbs(end) == ["Hangup"]
    await leg.post(f"/twilio/session/status?booking={booking.id}", CallStatus="completed", CallDuration="1500")
    _, again = await leg.post(f"/twilio/session/connect?booking={booking.id}")
    assert said(again) == ["Für diesen Beratungstermin ist kein Anruf mehr offen. Auf Wiederhören."]
    assert await call_state(sessions, booking.id) == "connected"

    log = await events(sessions)
    session_events = [(e.kind, e.channel) for e in log if e.reference == f"counselling:{booking.id}"]
    assert session_events == [
        ("counselling_booked", "phone"),
        ("counselling_reminded", "phone"),
        ("counselling_reminded", "phone"),
        ("counselling_call_started", "phone"),
        ("counselling_call_connected", "phone"),
    ]
    assert all(MOBILE not in str(e.detail) and COUNSELLOR_PHONE not in str(e.detail) for e in log)


async def call_state(sessions: async_sessionmaker[AsyncSession], booking_id: int) -> str | None:
    async with sessions() as session:
        booking = await session.get(CounsellingBooking, booking_id)
        assert booking is not None
        return booking.call_state


async def a_phone_session_due_now(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, phone: str | None
) -> int:
    """anna (with `phone` on her profile) holds a phone session booked from a link; the clock
    stands at its start. Returns the booking's id."""
    counselling = client.app[keys.COUNSELLING]
    async with sessions.begin() as session:
        anna = await session.scalar(select(StaffUser).where(StaffUser.username == "anna"))
        assert anna is not None
        anna.phone = phone
    clock.now = SATURDAY
    [slot] = await counselling.publish(counsellor_id=anna.id, region_id="siegburg", start=MONDAY_16, kind="phone")
    sent = await counselling.invite(region_id="siegburg", number=MOBILE, language="de", source="command_line")
    booking = await counselling.book(token=sent.url.rsplit("/", 1)[1], slot_id=slot.id, mode="phone")
    await client.app[keys.TEXTS].settled()  # the link and the confirmation are out
    clock.now = MONDAY_16.astimezone(dt.UTC)
    return booking.id


async def failures(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    return [event.detail for event in await events(sessions, "counselling_call_failed")]


async def test_a_counsellor_without_a_phone_fails_the_session_call_with_the_reason(
    app_client: Setup, clock: ManualClock, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    booking_id = await a_phone_session_due_now(client, sessions, clock, phone=None)
    assert await client.app[keys.PHONE_SESSIONS].ring_due() == 0
    assert not [r for r in fake_api.requests if r.path.endswith("/Calls.json")]
    assert await call_state(sessions, booking_id) == "failed"
    assert await failures(sessions) == [{"mode": "phone", "state": "failed", "error": "no counsellor phone"}]


async def test_a_refused_call_fails_the_session_and_is_not_tried_again(
    app_client: Setup, clock: ManualClock, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    booking_id = await a_phone_session_due_now(client, sessions, clock, phone=COUNSELLOR_PHONE)
    fake_api.fail_next(1, 400)
    dialer = client.app[keys.PHONE_SESSIONS]
    assert await dialer.ring_due() == 0 and await dialer.ring_due() == 0
    assert await call_state(sessions, booking_id) == "failed"
    [failure] = await failures(sessions)
    assert failure["state"] == "failed" and COUNSELLOR_PHONE not in failure["error"]


@pytest.mark.parametrize("where", ["counsellor", "customer"])
async def test_a_session_call_nobody_answers_fails_and_the_counsellor_hears_why(
    where: str,
    app_client: Setup,
    clock: ManualClock,
    sessions: async_sessionmaker[AsyncSession],
    fake_api: FakeTwilioApi,
) -> None:
    client, twilio = app_client
    booking_id = await a_phone_session_due_now(client, sessions, clock, phone=COUNSELLOR_PHONE)
    assert await client.app[keys.PHONE_SESSIONS].ring_due() == 1
    leg = FakeTwilio(client, twilio.settings, to=COUNSELLOR_PHONE, caller=HOTLINE, call_sid=next(iter(fake_api.calls)))
    if where == "counsellor":
        await leg.post(f"/twilio/session/status?booking={booking_id}", CallStatus="no-answer")
        error = "the counsellor's phone did not answer"
    else:
        await leg.post(f"/twilio/session/connect?booking={booking_id}")
        _, end = await leg.post(f"/twilio/session/dialled?booking={booking_id}", DialCallStatus="no-answer")
        assert said(end) == ["Die Kundin oder der Kunde wurde nicht erreicht. Auf Wiederhören."]
        assert verbs(end) == ["Say", "Hangup"]
        await leg.post(f"/twilio/session/status?booking={booking_id}", CallStatus="completed")
        error = "customer: no-answer"
    assert await call_state(sessions, booking_id) == "failed"
    assert await failures(sessions) == [{"mode": "phone", "state": "failed", "error": error}]
    assert await events(sessions, "counselling_call_connected") == []


async def test_without_twilio_the_session_call_goes_to_the_outbox(
    client: Client, staff: None, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    booking_id = await a_phone_session_due_now(client, sessions, clock, phone=COUNSELLOR_PHONE)
    assert await client.app[keys.PHONE_SESSIONS].ring_due() == 1
    async with sessions() as session:
        [call] = list(await session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "call")))
    assert (call.to_number, call.from_number) == (COUNSELLOR_PHONE, HOTLINE)
    assert call.body == f"http://127.0.0.1:8080/twilio/session/connect?booking={booking_id}"
    assert await call_state(sessions, booking_id) == "ringing_counsellor"
