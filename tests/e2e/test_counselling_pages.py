"""The customer's counselling pages through the real app: booking with a link (slots by day,
one booking per slot), the booking's own page (cancel, move), the video join page (waiting,
open with a verifiable token, over), the counsellor's host page, the limits and the policy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jwt
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from yarl import URL

from config.deployment import Deployment
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from formatting.phone_numbers import masked
from service import keys
from service.app import Overrides, create_app
from service.security_headers import CONTENT_SECURITY_POLICY
from staff.accounts import create_user
from staff.models import StaffUser
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from, make_settings
from video.content_policy import video_content_security_policy
from video.models import CounsellingBooking
from video.service import Counselling

BERLIN = ZoneInfo("Europe/Berlin")
MOBILE = "+4915112345678"
OTHER_MOBILE = "+4917600000001"
# The clock stands on Thursday 26 November 2026, 10:30 in Siegburg, which counsels on
# Mondays 16-19 and Saturdays 9-12.
SATURDAY_9 = dt.datetime(2026, 11, 28, 9, 0, tzinfo=BERLIN)
MONDAY_16 = dt.datetime(2026, 11, 30, 16, 0, tzinfo=BERLIN)
TAKEN = "Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen."
_DATA = re.compile(r'\sdata-([a-z-]+)="([^"]*)"')


def counselling(client: Client) -> Counselling:
    assert client.server.app is not None
    return client.server.app[keys.COUNSELLING]


async def member_id(sessions: async_sessionmaker[AsyncSession], username: str) -> int:
    async with sessions() as session:
        found = await session.scalar(select(StaffUser.id).where(StaffUser.username == username))
    assert found is not None
    return found


async def invite(client: Client, number: str = MOBILE) -> str:
    """A booking link sent as a counsellor would; returns its path on this site."""
    sent = await counselling(client).invite(region_id="siegburg", number=number, language="de", source="staff")
    return URL(sent.url).path


async def publish(client: Client, sessions: async_sessionmaker[AsyncSession], start: dt.datetime, kind: str) -> int:
    anna = await member_id(sessions, "anna")
    [slot] = await counselling(client).publish(counsellor_id=anna, region_id="siegburg", start=start, kind=kind)
    return slot.id


async def book(client: Client, path: str, choice: str, **fields: str) -> tuple[int, str, str]:
    """Send the booking form as the page offers it: (status, Location, page)."""
    page = await client.get(path)
    data = {"csrf_token": csrf_from(await page.text()), "choice": choice, **fields}
    sent = await client.post(path, data=data, allow_redirects=False)
    return sent.status, sent.headers.get("Location", ""), await sent.text()


async def post_on(client: Client, page_path: str, action: str, **fields: str) -> tuple[int, str]:
    page = await client.get(page_path)
    sent = await client.post(action, data={"csrf_token": csrf_from(await page.text()), **fields}, allow_redirects=False)
    return sent.status, sent.headers.get("Location", "")


def form_action(page: str, route_word: str) -> str:
    match = re.search(rf'action="([^"]*/{route_word})"', page)
    assert match, f"no form to {route_word}"
    return html.unescape(match.group(1))


def session_data(page: str) -> dict[str, str]:
    match = re.search(r'<div id="video-session"([^>]*)>', page)
    assert match, "no meeting on the page"
    return {name: html.unescape(value) for name, value in _DATA.findall(match.group(1))}


def jitsi_claims(client: Client, token: str) -> dict[str, Any]:
    """The token's claims, its signature checked with the app's video secret; the window is
    checked by the test, claim by claim (the test's clock is not PyJWT's)."""
    secret = client.app[keys.SETTINGS].video_secret
    options = {"verify_exp": False, "verify_nbf": False}
    return dict(jwt.decode(token, secret, algorithms=["HS256"], audience="jitsi", options=options))


async def bookings(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CounsellingBooking)) or 0)


@pytest.fixture
async def customer(app_client: tuple[Client, object], sessions: async_sessionmaker[AsyncSession]) -> Client:
    """The app with the fake Twilio API; anna offers Saturday 9:00 (phone or video) and Monday 16:00 (video)."""
    client, _twilio = app_client
    await publish(client, sessions, MONDAY_16, "video")
    await publish(client, sessions, SATURDAY_9, "either")
    return client


async def test_the_booking_page_shows_free_slots_by_day_and_books_one(
    customer: Client, fake_api: FakeTwilioApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    path = await invite(customer)
    page = await customer.get(path)
    text = await page.text()
    assert page.status == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    days = re.findall(r"<legend>([^<]+)</legend>", text)
    assert days[:2] == ["Samstag, 28. November 2026", "Montag, 30. November 2026"]
    choices = re.findall(r'name="choice" value="([^"]+)"', text)
    saturday, monday = sorted({int(c.split("-")[0]) for c in choices}, key=lambda i: choices.index(f"{i}-video"))
    assert choices == [f"{saturday}-phone", f"{saturday}-video", f"{monday}-video"]
    assert "09:00–09:30 Uhr · Telefon" in text and masked(MOBILE) in text and MOBILE not in text

    status, location, _ = await book(customer, path, f"{monday}-video", first_name="Erika Mustermann")
    assert status == 303 and location.startswith("/buchung/") and location.endswith("?notice=booked")
    confirmation = await (await customer.get(location)).text()
    assert "Ihr Termin ist gebucht." in confirmation and "Montag, 30. November 2026" in confirmation
    assert "16:00–16:30 Uhr" in confirmation and "Zur Videoberatung" in confirmation
    assert re.search(r'href="/video/[^"]+"', confirmation)

    await customer.app[keys.TEXTS].settled()
    [invitation, confirmed] = sorted(fake_api.messages.values(), key=lambda m: "Teilnehmen" in m["body"])
    assert invitation["to"] == MOBILE and "/termin/" in invitation["body"]
    assert confirmed["to"] == MOBILE and "Teilnehmen" in confirmed["body"] and "/buchung/" in confirmed["body"]
    assert await bookings(sessions) == 1


async def test_a_slot_just_taken_is_said_plainly_and_nothing_is_lost(
    customer: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first, second = await invite(customer), await invite(customer, OTHER_MOBILE)
    text = await (await customer.get(second)).text()  # the second customer sees the slot still free
    monday = re.findall(r'name="choice" value="([0-9]+)-video"', text)[-1]
    assert (await book(customer, first, f"{monday}-video"))[0] == 303
    status, _, page = await book(customer, second, f"{monday}-video", number="0176 11112222", first_name="Max")
    assert status == 409 and TAKEN in html.unescape(page)
    assert 'value="0176 11112222"' in page and 'value="Max"' in page  # what they typed stays
    assert f'value="{monday}-video"' not in page  # the slot is no longer offered
    assert await bookings(sessions) == 1
    assert (await customer.get(second)).status == 200  # the second link is not spent


async def test_a_booking_without_a_choice_asks_for_one(customer: Client) -> None:
    path = await invite(customer)
    status, _, page = await book(customer, path, "")
    assert status == 400 and "Bitte wählen Sie einen Termin." in page and 'role="alert"' in page


async def test_spent_expired_and_tampered_links_say_what_to_do(customer: Client, clock: ManualClock) -> None:
    path = await invite(customer)
    key, expiry, signature = path.rsplit("/", 1)[1].split(".")
    tampered = await customer.get(f"/termin/{key}.{int(expiry, 36) + 86400:x}.{signature}")
    assert tampered.status == 404 and "Diesen Link kennen wir nicht" in await tampered.text()
    assert (await customer.get("/termin/not-a-token")).status == 404
    text = await (await customer.get(path)).text()
    choice = re.findall(r'name="choice" value="([^"]+)"', text)[0]
    assert (await book(customer, path, choice))[0] == 303
    spent = await customer.get(path)
    body = await spent.text()
    assert spent.status == 410 and "Mit diesem Link wurde schon gebucht" in body and "BERATUNG" in body
    assert 'href="tel:+49-2241-9000-100"' in body or "tel:" in body  # the hotline numbers to call
    later = await invite(customer)
    clock.advance(days=15)
    expired = await customer.get(later)
    assert expired.status == 410 and "Dieser Link ist abgelaufen" in await expired.text()


async def test_the_customer_moves_and_cancels_on_the_booking_page(
    customer: Client, fake_api: FakeTwilioApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    path = await invite(customer)
    text = await (await customer.get(path)).text()
    saturday_phone = re.findall(r'name="choice" value="([0-9]+-phone)"', text)[0]
    _, manage, _ = await book(customer, path, saturday_phone)
    manage = manage.split("?")[0]
    page = await (await customer.get(manage)).text()
    assert f"unter {masked(MOBILE)}" in page and "Samstag, 28. November 2026" in page
    # Only slots of the same mode to move to: Monday's video-only slot is not one.
    assert re.findall(r'name="slot" value="([0-9]+)"', page) == []
    assert "Zurzeit ist kein anderer Termin frei." in page
    next_saturday = await publish(customer, sessions, dt.datetime(2026, 12, 5, 10, 0, tzinfo=BERLIN), "phone")
    page = await (await customer.get(manage)).text()
    assert re.findall(r'name="slot" value="([0-9]+)"', page) == [str(next_saturday)]

    status, location = await post_on(customer, manage, form_action(page, "verschieben"), slot=str(next_saturday))
    # The link of a booking lives until its end: moved, it is signed anew for the new end.
    key = manage.rsplit("/", 1)[1].split(".")[0]
    assert status == 303 and location.startswith(f"/buchung/{key}.") and location.endswith("?notice=moved")
    manage = location.split("?")[0]
    moved = await (await customer.get(location)).text()
    assert "Ihr Termin ist verschoben." in moved and "Samstag, 5. Dezember 2026" in moved

    status, location = await post_on(customer, manage, form_action(moved, "absagen"))
    assert status == 303 and location == f"{manage}?notice=cancelled"
    cancelled = await (await customer.get(location)).text()
    assert "Dieser Termin ist abgesagt." in cancelled and "Termin absagen" not in cancelled
    # Cancelling again (the old page's form, sent twice) is refused with words, not an error page.
    twice = await customer.post(form_action(moved, "absagen"), data={"csrf_token": csrf_from(moved)})
    assert twice.status == 409 and "Dieser Termin ist schon abgesagt, verschoben oder vorbei." in await twice.text()
    # Both slots are free again for the next customer.
    again = await (await customer.get(await invite(customer, OTHER_MOBILE))).text()
    assert f'value="{next_saturday}-phone"' in again and f'value="{saturday_phone}"' in again
    async with sessions() as session:
        booking = await session.scalar(select(CounsellingBooking))
    assert booking is not None and booking.status == "cancelled" and booking.holds_slot_id is None


async def test_the_join_page_waits_opens_with_a_verifiable_token_and_ends(
    customer: Client, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    path = await invite(customer)
    text = await (await customer.get(path)).text()
    monday = re.findall(r'name="choice" value="([0-9]+)-video"', text)[-1]
    _, manage, _ = await book(customer, path, f"{monday}-video", first_name="Erika Mustermann")
    page = await (await customer.get(manage)).text()
    join = html.unescape(re.findall(r'href="(/video/[^"]+)"', page)[0])

    waiting = await customer.get(join)
    body = await waiting.text()
    assert waiting.status == 200 and "Der Raum öffnet 10 Minuten vor Beginn, am 30.11.2026, 15:50." in body
    assert 'id="video-session"' not in body and 'data-reload-at="2026-11-30T14:50:00Z"' in body
    assert waiting.headers["Content-Security-Policy"] == video_content_security_policy(
        customer.app[keys.DEPLOYMENT].video
    )

    start = MONDAY_16.astimezone(dt.UTC)
    clock.now = start - dt.timedelta(minutes=5)
    opened = await customer.get(join)
    body = await opened.text()
    data = session_data(body)
    claims = jitsi_claims(customer, data["token"])
    assert claims["iss"] == "hotline" and claims["aud"] == "jitsi" and claims["sub"] == "video.jobcenter.example"
    assert claims["room"] == data["room"] and len(data["room"]) >= 16
    assert claims["nbf"] == int((start - dt.timedelta(minutes=10)).timestamp())
    assert claims["exp"] == int((start + dt.timedelta(minutes=30 + 15)).timestamp())
    assert claims["context"]["user"] == {"name": "Erika", "moderator": False}
    assert data["provider"] == "jitsi" and data["domain"] == "video.jobcenter.example" and data["name"] == "Erika"
    assert data["opens-at"] == "2026-11-30T14:50:00Z" and data["closes-at"] == "2026-11-30T15:45:00Z"
    assert data["lang"] == "de" and data["msg-unavailable"] and data["msg-ended"]
    assert '<script src="https://video.jobcenter.example/external_api.js" defer></script>' in body
    assert 'id="video-status" role="status" aria-live="polite"' in body
    assert "HOTLINE_VIDEO_SECRET ist nicht gesetzt" in body  # the test settings derive the secret
    policy = opened.headers["Content-Security-Policy"]
    assert "script-src 'self' https://video.jobcenter.example" in policy
    assert "frame-src https://video.jobcenter.example" in policy and "twilio" not in policy

    async with sessions() as session:
        booking = await session.scalar(select(CounsellingBooking))
    assert booking is not None
    anna = await member_id(sessions, "anna")
    clock.now = start + dt.timedelta(minutes=31)
    await counselling(customer).record_outcome(counsellor_id=anna, booking_id=booking.id, outcome="held")
    over = await customer.get(join)
    assert over.status == 200 and "Dieser Termin ist vorbei." in await over.text()
    clock.now = start + dt.timedelta(minutes=45)
    assert (await customer.get(join)).status == 410


async def test_the_counsellor_hosts_her_own_session_and_nobody_else_does(
    customer: Client, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    path = await invite(customer)
    text = await (await customer.get(path)).text()
    monday = re.findall(r'name="choice" value="([0-9]+)-video"', text)[-1]
    saturday = re.findall(r'name="choice" value="([0-9]+)-phone"', text)[0]
    await book(customer, path, f"{monday}-video")
    await book(customer, await invite(customer, OTHER_MOBILE), f"{saturday}-phone")
    async with sessions.begin() as session:
        booking_id = await session.scalar(select(CounsellingBooking.id).where(CounsellingBooking.mode == "video"))
        phone_id = await session.scalar(select(CounsellingBooking.id).where(CounsellingBooking.mode == "phone"))
        await create_user(
            session, username="bert", password=PASSWORD, roles=["counsellor"], regions=["siegburg"], now=clock()
        )
    host = f"/beratung/sitzungen/{booking_id}/video"
    assert (await customer.get(host, allow_redirects=False)).status == 303  # to the login
    clock.now = MONDAY_16.astimezone(dt.UTC)
    assert await log_in(customer, "anna") == 303
    opened = await customer.get(host)
    data = session_data(await opened.text())
    claims = jitsi_claims(customer, data["token"])
    assert claims["context"]["user"]["moderator"] is True and data["name"] == claims["context"]["user"]["name"]
    assert opened.headers["Content-Security-Policy"] == video_content_security_policy(
        customer.app[keys.DEPLOYMENT].video
    )
    assert (await customer.get(f"/beratung/sitzungen/{booking_id + 1000}/video")).status == 404
    assert (await customer.get(f"/beratung/sitzungen/{phone_id}/video")).status == 404  # no room to enter
    await customer.post("/logout", data={"csrf_token": csrf_from(await opened.text())})
    assert await log_in(customer, "bert") == 303
    assert (await customer.get(host)).status == 403


async def test_token_guessing_and_many_forms_are_answered_with_429(customer: Client, clock: ManualClock) -> None:
    path = await invite(customer)
    for number in range(30):
        assert (await customer.get(f"/video/guess{number}")).status == 404
    refused = await customer.get(path)  # now even a genuine link waits
    assert refused.status == 429 and refused.headers["Retry-After"] == "60"
    assert "Bitte versuchen Sie es ab 26.11.2026, 10:31 erneut." in await refused.text()
    clock.advance(seconds=61)
    assert (await customer.get(path)).status == 200

    for _ in range(10):  # forms without a choice: refused, but counted
        assert (await book(customer, path, ""))[0] == 400
    status, _, page = await book(customer, path, "")
    assert status == 429 and "Zu viele Anfragen" in page


async def test_public_forms_need_their_csrf_token(customer: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    path = await invite(customer)
    text = await (await customer.get(path)).text()
    choice = re.findall(r'name="choice" value="([^"]+)"', text)[0]
    refused = await customer.post(path, data={"choice": choice}, allow_redirects=False)
    assert refused.status == 403 and await bookings(sessions) == 0


@pytest.fixture
async def twilio_client(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Client]:
    """The app with Twilio Video as the provider, SMS to the outbox; anna offers Monday 16:00."""
    example: Deployment = load_deployment(EXAMPLE_DEPLOYMENT)
    deployment = dataclasses.replace(example, video=dataclasses.replace(example.video, provider="twilio"))
    settings = make_settings(tmp_path, database_url)
    app = create_app(settings, overrides=Overrides(clock=clock, engine=engine, deployment=deployment, run_jobs=False))
    client = await aiohttp_client(app)
    async with sessions.begin() as session:
        await create_user(
            session, username="anna", password=PASSWORD, roles=["counsellor"], regions=["siegburg"], now=clock()
        )
    await publish(client, sessions, MONDAY_16, "video")
    yield client
    await client.close()


async def test_with_twilio_video_the_join_page_allows_twilio_and_nothing_else(
    twilio_client: Client, clock: ManualClock
) -> None:
    path = await invite(twilio_client)
    text = await (await twilio_client.get(path)).text()
    monday = re.findall(r'name="choice" value="([0-9]+)-video"', text)[-1]
    _, manage, _ = await book(twilio_client, path, f"{monday}-video")
    page = await (await twilio_client.get(manage)).text()
    join = html.unescape(re.findall(r'href="(/video/[^"]+)"', page)[0])
    clock.now = MONDAY_16.astimezone(dt.UTC)
    opened = await twilio_client.get(join)
    body = await opened.text()
    data = session_data(body)
    assert data["provider"] == "twilio" and "domain" not in data
    claims = jwt.decode(data["token"], options={"verify_signature": False})
    assert claims["grants"]["video"]["room"] == data["room"]
    assert 'id="video-leave"' in body and "external_api.js" not in body
    assert re.search(r'<script src="/static/vendor/twilio-video\.min\.js', body)
    policy = opened.headers["Content-Security-Policy"]
    assert policy == video_content_security_policy(twilio_client.app[keys.DEPLOYMENT].video)
    assert "twilio.com" in policy and "jobcenter.example" not in policy and "frame-src" not in policy
    # Pages other than the join page keep the site's own policy.
    assert (await twilio_client.get(manage)).headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


async def test_in_english_the_pages_and_the_confirmation_sms_are_english(
    customer: Client, fake_api: FakeTwilioApi
) -> None:
    path = await invite(customer)
    switched = await customer.get("/language", params={"set": "en", "next": path}, allow_redirects=False)
    assert switched.status == 303  # the site's language switch: remembered for the browser
    page = await (await customer.get(path)).text()
    assert "Book a counselling appointment" in page and "Saturday, 28 November 2026" in page
    assert "09:00–09:30 · Phone" in page and "Other number (optional)" in page
    choice = re.findall(r'name="choice" value="([0-9]+-phone)"', page)[0]
    status, location, _ = await book(customer, path, choice)
    assert status == 303
    confirmation = await (await customer.get(location)).text()
    assert "Your appointment is booked." in confirmation and "Cancel the appointment" in confirmation
    await customer.app[keys.TEXTS].settled()
    sent = [m["body"] for m in fake_api.messages.values() if "/buchung/" in m["body"]]
    assert len(sent) == 1 and sent[0].startswith("Jobcenter Geschäftsstelle Siegburg: we will call you on")


async def test_a_cancelled_video_session_says_so_on_its_join_page(customer: Client) -> None:
    path = await invite(customer)
    page = await (await customer.get(path)).text()
    monday = re.findall(r'name="choice" value="([0-9]+)-video"', page)[-1]
    _, location, _ = await book(customer, path, f"{monday}-video")
    manage = await (await customer.get(location)).text()
    join = html.unescape(re.findall(r'href="(/video/[^"]+)"', manage)[0])
    status, _ = await post_on(customer, location, form_action(manage, "absagen"))
    assert status == 303
    cancelled = await customer.get(join)
    body = await cancelled.text()
    assert cancelled.status == 200 and "Dieser Termin wurde abgesagt oder verschoben." in body
    assert 'id="video-session"' not in body and 'href="tel:' in body  # the hotline to call instead
