"""A customer asks for a callback through the public web form, without logging in: the concern
is raised once, merged with an open one of the same number, and abuse (bots, floods, guessed
links, forged posts, bad input) is refused without storing anything."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callbacks import web_form_views as texts
from callbacks.models import Concern
from callbacks.rate_limits import (
    IntakeRateLimit,
    RateLimit,
    RateLimited,
    address_key,
    admit_submission,
    record_submission,
)
from callbacks.refusals import message
from contacts.models import ContactEvent
from service.app import Overrides, create_app
from service.i18n import load_catalogue
from storage.base import Base
from tests.e2e.conftest import Client
from tests.support import TEST_SECRET, ManualClock, make_settings

FORM = "/kontakt/siegburg"
THANKS = re.compile(r"^/kontakt/siegburg/danke/([A-Z2-9]{4}-[A-Z2-9]{4})\?due=\d+&sig=[0-9a-f]{32}(&lang=en)?$")
ROOT = Path(__file__).parents[2]


@pytest.fixture
async def visitor(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[Client]:
    """An anonymous browser on the whole app; Thursday 26 November 2026, 10:30 in Siegburg."""
    settings = make_settings(tmp_path, database_url)
    app = create_app(settings, overrides=Overrides(clock=clock, engine=engine, run_jobs=False))
    client = await aiohttp_client(app)
    yield client
    await client.close()  # the app stops (its arrival log's last round) before the engine is disposed


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"the form has no hidden field {name}"
    return match.group(1)


async def open_form(client: Client, path: str = FORM) -> dict[str, str]:
    """What the page puts into the form: the CSRF token, the form id, the page language."""
    page = await client.get(path)
    assert page.status == 200
    html = await page.text()
    return {name: _hidden(html, name) for name in ("csrf_token", "form_id", "language")}


def answers(**changes: str) -> dict[str, str]:
    """A customer's complete answers: an urgent topic, a mobile number, Friday 10:00–12:00."""
    return {
        "topic": "payment",
        "phone": "0171 2345678",
        "message": "Meine Zahlung für November ist nicht angekommen.",
        "window_day": "2026-11-27",
        "window_from": "10:00",
        "window_to": "12:00",
        "consent": "yes",
        "website": "",
    } | changes


async def send(
    client: Client, path: str = FORM, hidden: dict[str, str] | None = None, /, **changes: str
) -> ClientResponse:
    fields = (hidden or await open_form(client, path)) | answers(**changes)
    return await client.post(sent_to(path), data=fields, allow_redirects=False)


def sent_to(form_path: str) -> str:
    """Where the form at `form_path` is sent: its own address (see web_form_routes)."""
    path, _, query = form_path.partition("?")
    return f"{path}/senden" + (f"?{query}" if query else "")


async def concerns(sessions: async_sessionmaker[AsyncSession]) -> list[Concern]:
    async with sessions() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


async def count(sessions: async_sessionmaker[AsyncSession], model: type[Base]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def reference_of(response: ClientResponse) -> str:
    assert response.status == 303
    match = THANKS.match(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def control_block(html: str, name: str) -> str:
    """A select with its options."""
    match = re.search(rf'<select\b[^>]*\bid="{name}".*?</select>', html, re.S)
    assert match, f"no select {name}"
    return match.group(0)


def control(html: str, name: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{name}"[^>]*>', html)
    assert match, f"no control {name}"
    return match.group(0)


async def test_customer_without_login_gets_a_reference_and_the_due_time(
    visitor: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await send(visitor)
    reference = reference_of(response)

    thanks = await visitor.get(response.headers["Location"])
    assert thanks.status == 200
    page = await thanks.text()
    assert f'<dd class="reference">{reference}</dd>' in page
    assert "Geschäftsstelle Siegburg" in page
    assert "Wir rufen Sie bis Donnerstag, 26. November 2026, 18:00 Uhr zurück." in page  # urgent: the same day
    assert thanks.headers["Cache-Control"] == "no-store"

    [concern] = await concerns(sessions)
    assert (concern.reference, concern.region, concern.channel) == (reference, "siegburg", "web_form")
    assert (concern.topic, concern.urgency, concern.language) == ("payment", "urgent", "de")
    assert concern.callback_number == "+491712345678"
    assert concern.note == "Meine Zahlung für November ist nicht angekommen."
    assert concern.window_start == dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)  # 10:00 in Berlin
    assert concern.window_end == dt.datetime(2026, 11, 27, 11, 0, tzinfo=dt.UTC)
    async with sessions() as session:
        event = await session.scalar(select(ContactEvent).where(ContactEvent.channel == "web_form"))
    assert event is not None and event.kind == "concern_raised" and event.caller_pseudonym != "+491712345678"


async def test_a_window_is_optional_and_a_normal_topic_is_due_in_two_working_days(
    visitor: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await send(visitor, topic="application", window_day="", window_from="", window_to="")
    page = await (await visitor.get(response.headers["Location"])).text()
    assert "Wir rufen Sie bis Montag, 30. November 2026, 12:00 Uhr zurück." in page
    [concern] = await concerns(sessions)
    assert (concern.urgency, concern.window_start, concern.window_end) == ("normal", None, None)


async def test_the_english_page_speaks_english_and_stores_english(
    visitor: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    page = await (await visitor.get(f"{FORM}?lang=en")).text()
    assert '<html lang="en">' in page
    for english in ("Request a callback", "What is it about?", "Payment missing", "Your phone number"):
        assert english in page
    assert 'action="/kontakt/siegburg/senden?lang=en"' in page

    hidden = await open_form(visitor, f"{FORM}?lang=en")
    assert hidden["language"] == "en"
    refused = await send(visitor, f"{FORM}?lang=en", hidden, consent="")
    assert "Please agree to the data protection notice so that we may call you back." in await refused.text()
    response = await send(visitor, f"{FORM}?lang=en", hidden)
    reference_of(response)
    assert response.headers["Location"].endswith("&lang=en")
    thanks = await (await visitor.get(response.headers["Location"])).text()
    assert "We will call you back by Thursday, 26 November 2026, 18:00." in thanks
    [concern] = await concerns(sessions)
    assert concern.language == "en"


async def test_the_same_form_sent_twice_raises_one_concern(
    visitor: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    hidden = await open_form(visitor)
    first = await send(visitor, FORM, hidden)
    again = await send(visitor, FORM, hidden)
    assert reference_of(again) == reference_of(first)
    [concern] = await concerns(sessions)
    assert concern.note == "Meine Zahlung für November ist nicht angekommen."
    assert await count(sessions, IntakeRateLimit) == 1  # a repeat is not counted against the limit


async def test_a_second_form_with_the_same_number_raises_its_own_unverified_concern(
    visitor: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = reference_of(await send(visitor))
    second = await send(visitor, topic="documents", message="Und die Unterlagen fehlen noch.")
    own = reference_of(second)
    assert own != first
    thanks = await (await visitor.get(second.headers["Location"])).text()
    assert own in thanks and first not in thanks
    assert "Montag, 30. November 2026, 12:00 Uhr" in thanks  # its own (normal) due time, not the first one's
    earlier, later = await concerns(sessions)
    assert earlier.note == "Meine Zahlung für November ist nicht angekommen."
    assert (later.note, later.unverified, later.linked_concern_id) == (
        "Und die Unterlagen fehlen noch.",
        True,
        earlier.id,
    )


async def test_a_filled_honeypot_looks_like_success_and_stores_nothing(
    visitor: Client, sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    response = await send(visitor, website="https://cheap-pills.example")
    reference = reference_of(response)
    thanks = await visitor.get(response.headers["Location"])
    assert thanks.status == 200
    page = await thanks.text()
    assert reference in page and "Wir rufen Sie bis Donnerstag, 26. November 2026, 18:00 Uhr zurück." in page
    assert await concerns(sessions) == []
    assert await count(sessions, ContactEvent) == 0
    assert "honeypot" in caplog.text


async def test_the_sixth_submission_from_one_address_within_the_hour_is_refused(
    visitor: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    for number in range(5):
        reference_of(await send(visitor, phone=f"0171 234567{number}"))
    refused = await send(visitor, phone="0171 2345679", message="Noch eine Frage.")
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "3600"
    page = await refused.text()
    assert "Bitte versuchen Sie es ab Donnerstag, 26. November 2026, 11:30 Uhr erneut." in page
    assert 'value="0171 2345679"' in page  # nothing the customer typed is lost
    assert len(await concerns(sessions)) == 5

    clock.advance(hours=1)
    reference_of(await send(visitor, phone="0171 2345679"))
    assert len(await concerns(sessions)) == 6


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("phone", {"phone": ""}, message("phone_missing")),
        ("phone", {"phone": "12"}, message("phone_invalid")),
        ("phone", {"phone": "0171 2345678" * 4}, message("phone_invalid")),
        ("phone", {"phone": "+31 6 12345678"}, message("phone_foreign")),  # a Dutch mobile: not from the public
        ("phone", {"phone": "0900 1234567"}, message("phone_special")),
        ("phone", {"phone": "02241 9000100"}, message("phone_ours")),
        ("message", {"message": "  \r\n "}, message("note_missing")),
        ("message", {"message": "x" * 1001}, message("note_too_long")),
        ("window_to", {"window_from": "11:00", "window_to": "10:00"}, message("window_reversed")),
        # Friday's line closes at 12:00; Monday's pauses from 12:00 to 13:00
        ("window_from", {"window_from": "13:00", "window_to": "15:00"}, message("window_outside_hours")),
        ("window_from", {"window_from": "10:00", "window_to": "13:30"}, message("window_outside_hours")),
        (
            "window_from",
            {"window_day": "2026-11-30", "window_from": "11:00", "window_to": "14:00"},
            message("window_outside_hours"),
        ),
        (
            "window_to",
            {"window_day": "2026-11-26", "window_from": "08:00", "window_to": "09:00"},
            message("window_past"),
        ),
        ("window_day", {"window_day": "2026-11-25"}, message("window_past")),
        ("window_day", {"window_day": "2026-11-28"}, message("window_day_unknown")),  # a Saturday
        ("window_from", {"window_from": ""}, message("window_incomplete")),
        ("window_from", {"window_from": "07:15"}, message("window_time_unknown")),
        ("consent", {"consent": ""}, message("consent_missing")),
        ("topic", {"topic": ""}, message("topic_missing")),
        ("topic", {"topic": "lottery"}, message("topic_unknown")),
    ],
)
async def test_invalid_answers_are_refused_with_the_error_at_the_field(
    visitor: Client, sessions: async_sessionmaker[AsyncSession], field: str, changes: dict[str, str], message: str
) -> None:
    response = await send(visitor, **changes)
    assert response.status == 400
    page = await response.text()
    assert 'role="alert"' in page and f'<a href="#{field}">{message}</a>' in page
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    tag = control(page, field)
    assert 'aria-invalid="true"' in tag and f"{field}-error" in tag
    if field != "message":
        assert "Meine Zahlung für November ist nicht angekommen.</textarea>" in page  # kept for the next try
    assert await concerns(sessions) == []
    assert await count(sessions, IntakeRateLimit) == 0


async def test_a_form_without_its_form_id_is_refused(
    visitor: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await send(visitor, form_id="")
    assert response.status == 400
    page = await response.text()
    assert message("form_broken") in page
    assert _hidden(page, "form_id") != ""  # a sound form id to send the corrected form under
    assert await concerns(sessions) == []


async def test_unknown_regions_are_not_found(visitor: Client) -> None:
    hidden = await open_form(visitor)
    assert (await visitor.get("/kontakt/atlantis")).status == 404
    assert (await send(visitor, "/kontakt/atlantis", hidden)).status == 404
    assert (await visitor.get("/kontakt/atlantis/danke/ABCD-EFGH?due=1&sig=00")).status == 404


async def test_a_thanks_link_without_a_valid_signature_is_not_found(visitor: Client) -> None:
    location = (await send(visitor)).headers["Location"]
    path, query = location.split("?")
    due = re.search(r"due=(\d+)", query)
    assert due
    forged = [
        location[:-4] + "0000",  # another signature
        path,  # none at all
        location.replace(f"due={due.group(1)}", f"due={int(due.group(1)) + 86400}"),  # another due time
        location.replace("/siegburg/", "/troisdorf/"),  # another region
        f"{path[:-9]}ABCD-EFGH?{query}",  # another reference
        f"{path}?due={due.group(1)}&sig=%C3%A4",  # not even ASCII
    ]
    for link in forged:
        assert (await visitor.get(link)).status == 404, link
    assert (await visitor.get(location)).status == 200


async def test_a_post_without_csrf_token_is_refused(
    visitor: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    hidden = await open_form(visitor)
    del hidden["csrf_token"]
    response = await send(visitor, FORM, hidden)
    assert response.status == 403
    assert await concerns(sessions) == []


async def test_the_contact_page_lists_every_region(visitor: Client) -> None:
    page = await (await visitor.get("/kontakt")).text()
    for region in ("siegburg", "troisdorf", "rheinbach", "eitorf"):
        assert f'href="/kontakt/{region}"' in page
    assert 'href="/kontakt/eitorf?lang=en"' in await (await visitor.get("/kontakt?lang=en")).text()


async def test_the_form_is_labelled_for_phones_and_hides_its_honeypot(visitor: Client) -> None:
    response = await visitor.get(FORM)
    page = await response.text()
    phone = control(page, "phone")
    assert all(part in phone for part in ('type="tel"', 'autocomplete="tel"', 'inputmode="tel"'))
    assert 'maxlength="1000"' in control(page, "message")
    for name in ("topic", "phone", "message", "window_day", "window_from", "window_to", "consent", "website"):
        assert f'<label for="{name}"' in page
    honeypot = control(page, "website")
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    assert '<div class="contact-extra" aria-hidden="true">' in page
    days = re.findall(r'<option value="(2026-\d\d-\d\d)" data-ranges="([0-9 -]+)"', page)
    assert days == [
        ("2026-11-26", "630-720 780-1080"),  # today, Thursday 10:30: what is left of its hours
        ("2026-11-27", "480-720"),  # Friday: the line closes at 12:00
        ("2026-11-30", "480-720 780-900"),
        ("2026-12-01", "480-720 780-900"),
        ("2026-12-02", "480-720"),
    ]
    assert ">Freitag, 27. November 2026 (von 8 bis 12 Uhr)</option>" in page
    assert ">Montag, 30. November 2026 (von 8 bis 12 und von 13 bis 15 Uhr)</option>" in page
    starts = re.findall(r'<option value="(\d\d:\d\d)"', control_block(page, "window_from"))
    ends = re.findall(r'<option value="(\d\d:\d\d)"', control_block(page, "window_to"))
    assert (starts[0], starts[-1], "12:00" in starts, "12:30" in starts) == ("08:00", "17:30", False, False)
    assert (ends[0], ends[-1], "12:00" in ends, "12:30" in ends) == ("08:30", "18:00", True, False)
    # Kept for the browser's history only (Back shows this very form again), never reused unasked.
    assert response.headers["Cache-Control"] == "private, no-cache"


async def test_the_allowance_counts_per_hour_and_per_day_and_forgets_after_a_day(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    limit = RateLimit(per_hour=2, per_day=3)
    start = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
    key, other = address_key("192.0.2.10", TEST_SECRET), address_key("192.0.2.11", TEST_SECRET)

    async def submit(at: dt.datetime, who: str = key) -> None:
        async with sessions.begin() as session:
            await admit_submission(session, who, at, limit)
            await record_submission(session, who, at)

    await submit(start)
    await submit(start)
    with pytest.raises(RateLimited) as hourly:
        await submit(start + dt.timedelta(minutes=59))
    assert hourly.value.retry_at == start + dt.timedelta(hours=1)
    await submit(start, other)  # another address has its own allowance
    await submit(start + dt.timedelta(hours=1))
    with pytest.raises(RateLimited) as daily:
        await submit(start + dt.timedelta(hours=2))
    assert daily.value.retry_at == start + dt.timedelta(days=1)

    later = start + dt.timedelta(days=1, minutes=30)
    await submit(later)
    async with sessions() as session:
        kept = list(await session.scalars(select(IntakeRateLimit.at).order_by(IntakeRateLimit.at)))
    assert kept == [start + dt.timedelta(hours=1), later]  # the day-old ones are gone


def test_an_address_is_kept_only_as_a_keyed_pseudonym() -> None:
    key = address_key("192.0.2.10", TEST_SECRET)
    assert re.fullmatch(r"[0-9a-f]{64}", key) and "192" not in key
    assert key == address_key("::ffff:192.0.2.10", TEST_SECRET)
    assert key != address_key("192.0.2.10", "another-secret-key-that-is-long-enough-0123")
    # One IPv6 line is one /64: rotating addresses within it does not buy a new allowance.
    assert address_key("2001:db8:1:2::1", TEST_SECRET) == address_key("2001:db8:1:2:ffff::9", TEST_SECRET)
    assert address_key("2001:db8:1:2::1", TEST_SECRET) != address_key("2001:db8:1:3::1", TEST_SECRET)


def test_every_contact_page_text_has_an_english_translation() -> None:
    catalogue = load_catalogue(("service", "staff", "telephony", "callbacks"))
    literal = re.compile(r"""_\((["'])(.+?)\1\)""")
    shown = set(texts.MESSAGES)
    for name in ("contact.html", "contact_thanks.html"):
        template = (ROOT / "callbacks" / "templates" / "callbacks" / name).read_text(encoding="utf-8")
        shown |= {match.group(2) for match in literal.finditer(template)}
    assert sorted(shown - catalogue.keys()) == []
