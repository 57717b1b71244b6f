"""The front desk records walk-in concerns and prints receipts, over HTTP against the real app
on SQLite and PostgreSQL. The test clock: Thursday 26 November 2026, 10:30 in Siegburg."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import ClientResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callbacks.models import Concern, ConcernEntry, ConcernSource
from callbacks.refusals import message
from callbacks.service import request_callback
from config.deployment import Urgency
from contacts.pseudonyms import Pseudonymiser
from routing import due_at
from service import keys
from service.app import Overrides, create_app
from staff.accounts import create_user
from staff.roles import Role
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.support import ManualClock, csrf_from, make_settings

TODAY_18_00 = dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.UTC)  # 18:00 in Berlin (CET)
PROMISED_TODAY = "Wir melden uns bis Donnerstag, 26. November 2026, 18:00 Uhr."
SIEGBURG_HOURS_DE = (
    "Montag und Dienstag von 8 bis 12 und von 13 bis 15 Uhr; Mittwoch und Freitag von 8 bis 12 Uhr;"
    " Donnerstag von 8 bis 12 und von 13 bis 18 Uhr"
)
CUSTOMER = {
    "region": "siegburg",
    "name": "Erika Mustermann",
    "phone": "0171 2345678",
    "topic": "payment",
    "urgency": "topic",
    "window_date": "",
    "window_from": "",
    "window_to": "",
    "language": "de",
    "note": "Die Zahlung für November ist nicht eingegangen.",
}


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Client]:
    """The app with dora and tom at the desks of Siegburg and Troisdorf, frieda at every desk,
    and anna, a counsellor."""
    settings = make_settings(tmp_path, database_url)
    app = create_app(settings, overrides=Overrides(clock=clock, engine=engine, run_jobs=False))
    staff: tuple[tuple[str, Role, list[str]], ...] = (
        ("dora", "desk", ["siegburg"]),
        ("tom", "desk", ["troisdorf"]),
        ("frieda", "desk", []),
        ("anna", "counsellor", ["siegburg"]),
    )
    async with sessions.begin() as session:
        for username, role, regions in staff:
            await create_user(session, username=username, password=PASSWORD, roles=[role], regions=regions, now=clock())
    client = await aiohttp_client(app)
    yield client
    await client.close()  # the app stops (its arrival log's last round) before the engine is disposed


def form_id_from(html: str) -> str:
    match = re.search(r'name="form_id" value="([A-Za-z0-9_-]+)"', html)
    assert match, "the page has no form id"
    return match.group(1)


async def blank_form(client: Client) -> dict[str, str]:
    """The hidden fields of a freshly rendered desk form."""
    html = await (await client.get("/desk")).text()
    return {"csrf_token": csrf_from(html), "form_id": form_id_from(html)}


async def send(client: Client, hidden: dict[str, str], changes: Mapping[str, str]) -> ClientResponse:
    """Send the desk form for Erika Mustermann with `changes`, under the hidden fields of one form."""
    return await client.post("/desk", data=hidden | CUSTOMER | dict(changes), allow_redirects=False)


async def record(client: Client, **changes: str) -> ClientResponse:
    """Send a freshly rendered desk form for Erika Mustermann, with `changes`."""
    return await send(client, await blank_form(client), changes)


async def receipt_of(client: Client, response: ClientResponse) -> tuple[str, str]:
    """The reference the desk redirected to, and the receipt page."""
    assert response.status == 303, await response.text()
    location = response.headers["Location"]
    match = re.fullmatch(r"/desk/receipt/([A-Z0-9]{4}-[A-Z0-9]{4})\?form=[A-Za-z0-9_-]+", location)
    assert match, location
    page = await client.get(location)
    assert page.status == 200
    return match.group(1), await page.text()


async def concerns(sessions: async_sessionmaker[AsyncSession]) -> list[Concern]:
    async with sessions() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


async def test_the_desk_form_offers_the_members_region_its_languages_and_the_topics(client: Client) -> None:
    await log_in(client, "dora")
    page = await client.get("/desk")
    html = await page.text()
    assert page.status == 200
    assert '<option value="siegburg" selected>Geschäftsstelle Siegburg</option>' in html
    assert "Geschäftsstelle Troisdorf" not in html  # dora works at Siegburg's desk only
    for language in ("Deutsch", "Englisch", "Türkisch", "Arabisch", "Ukrainisch", "Russisch"):
        assert f">{language}</option>" in html
    assert "Zahlung ausgeblieben (dringend)" in html and "Antrag oder Weiterbewilligung (normal)" in html
    assert 'type="tel"' in html and 'maxlength="1000"' in html
    assert "<legend>Dringlichkeit</legend>" in html and "Ad-hoc-Gespräch geführt (Ausnahme)" in html
    # every rendered form has its own id, so only the same form sent twice counts as one
    assert form_id_from(html) != form_id_from(await (await client.get("/desk")).text())
    english = await (await client.get("/desk?lang=en")).text()
    assert "Save concern" in english and "Payment missing (urgent)" in english
    assert '<option value="tr">Turkish</option>' in english and '<option value="uk">Ukrainian</option>' in english


async def test_a_desk_without_regions_chooses_among_all(client: Client) -> None:
    await log_in(client, "frieda")
    html = await (await client.get("/desk")).text()
    assert '<option value="">– bitte wählen –</option>' in html
    assert "Geschäftsstelle Troisdorf" in html and "Geschäftsstelle Eitorf" in html


async def test_the_desk_records_a_concern_and_prints_the_receipt_with_the_promised_time(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await log_in(client, "dora")
    response = await record(client, window_date="2026-11-27", window_from="09:00", window_to="11:00")
    reference, receipt = await receipt_of(client, response)

    [concern] = await concerns(sessions)
    assert (concern.reference, concern.channel, concern.status) == (reference, "walk_in", "open")
    assert (concern.topic, concern.urgency, concern.language) == ("payment", "urgent", "de")
    assert concern.due_at == TODAY_18_00  # urgent: the same working day
    assert concern.callback_number == "+491712345678" and concern.customer_name == "Erika Mustermann"
    # 09:00 to 11:00 on Friday in Siegburg (CET, UTC+1), stored in UTC
    assert concern.window_start == dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    assert concern.window_end == dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
    assert not concern.ad_hoc_talk and concern.created_at == clock()
    async with sessions() as session:
        created = await session.scalar(select(ConcernEntry).where(ConcernEntry.concern_id == concern.id))
    assert created is not None and created.kind == "created" and created.actor_id is not None

    assert '<article class="desk-receipt" aria-labelledby="receipt-heading" lang="de" dir="ltr">' in receipt
    assert "Jobcenter – <bdi>Geschäftsstelle Siegburg</bdi>" in receipt and f"<bdi>{reference}</bdi>" in receipt
    assert "Ihre Vorgangsnummer" in receipt and "Zahlung ausgeblieben" in receipt and PROMISED_TODAY in receipt
    # the number masked but for its last three digits, which screen readers read out as words
    assert ">•••• ••••678</bdi>" in receipt and "Rufnummer endet auf 678" in receipt and "2345678" not in receipt
    # how to reach the region: its hotline number (national notation, a tel: link) and its hours
    assert '<a href="tel:+49-2241-9000100"><bdi dir="ltr">02241 9000100</bdi></a>' in receipt
    assert f"<dd>{SIEGBURG_HOURS_DE}</dd>" in receipt
    assert "Erika Mustermann" not in receipt and "November ist nicht eingegangen" not in receipt
    # printing: a button the script file wires up (no inline script), print rules in the stylesheet
    assert '<button type="button" data-print>' in receipt and '<script src="/static/print.js"' in receipt
    assert 'class="printable-receipt"' in receipt and 'href="/desk"' in receipt
    assert "onclick" not in receipt and "<style" not in receipt
    assert "bereits ein offenes Anliegen" not in receipt


@pytest.mark.parametrize(
    ("topic", "choice", "urgency"),
    [
        ("payment", "topic", "urgent"),
        ("application", "topic", "normal"),
        ("application", "urgent", "urgent"),
        ("payment", "normal", "normal"),
    ],
)
async def test_the_topic_sets_the_urgency_unless_the_desk_overrides_it(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    topic: str,
    choice: str,
    urgency: str,
) -> None:
    await log_in(client, "dora")
    _, receipt = await receipt_of(client, await record(client, topic=topic, urgency=choice))
    [concern] = await concerns(sessions)
    deployment = client.app[keys.DEPLOYMENT]
    siegburg = deployment.region("siegburg")
    assert siegburg is not None
    expected: Urgency = "urgent" if urgency == "urgent" else "normal"
    assert concern.urgency == expected
    assert concern.due_at == due_at(clock(), expected, siegburg, deployment)
    if (
        urgency == "normal"
    ):  # 48 hours of working days from Thursday 10:30: run out Monday 10:30, inside 08:00-12:00: due 12:00
        assert "Wir melden uns bis Montag, 30. November 2026, 12:00 Uhr." in receipt


async def test_the_receipt_speaks_the_customers_language_in_turkish(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await log_in(client, "dora")
    reference, receipt = await receipt_of(client, await record(client, language="tr"))
    [concern] = await concerns(sessions)
    assert concern.language == "tr"
    assert '<article class="desk-receipt" aria-labelledby="receipt-heading" lang="tr" dir="ltr">' in receipt
    for text in (
        "Jobcenter (İş Merkezi) – <bdi>Geschäftsstelle Siegburg</bdi>",
        "Talebinizin onayı",
        "Referans numaranız",
        f"<bdi>{reference}</bdi>",
        "<dt>Konu</dt>\n    <dd>Ödeme yapılmadı</dd>",
        "Sizinle en geç şu tarihte iletişime geçeceğiz: 26 Kasım 2026 Perşembe, saat 18:00.",
        "<dt>Sizi arayacağımız numara</dt>",
        ">•••• ••••678</bdi>",
        "678 ile biten telefon numarası",
        "<dt>Danışma hattımız</dt>",
        ">02241 9000100</bdi>",
        "<dt>Telefon saatleri</dt>",
        "Pazartesi ve Salı saat 8:00 ile 12:00 arası ve 13:00 ile 15:00 arası; Çarşamba ve Cuma saat 8:00 ile 12:00"
        " arası; Perşembe saat 8:00 ile 12:00 arası ve 13:00 ile 18:00 arası",
        "Lütfen telefonunuzu yanınızda bulundurun",
    ):
        assert text in receipt, text
    assert "Wir melden uns" not in receipt and "Zahlung ausgeblieben" not in receipt
    # the page around the receipt stays in the language the desk chose
    assert '<html lang="de">' in receipt and "Drucken" in receipt and "Nächstes Anliegen aufnehmen" in receipt


async def test_an_arabic_receipt_runs_right_to_left(client: Client) -> None:
    await log_in(client, "dora")
    _, receipt = await receipt_of(client, await record(client, language="ar"))
    assert '<article class="desk-receipt" aria-labelledby="receipt-heading" lang="ar" dir="rtl">' in receipt
    assert "تأكيد طلبكم" in receipt and "لم يتم صرف الدفعة" in receipt
    assert '<bdi dir="ltr" class="masked-number" aria-hidden="true">•••• ••••678</bdi>' in receipt


async def test_the_receipt_speaks_english_for_an_english_speaking_customer(client: Client) -> None:
    await log_in(client, "dora")
    await client.get("/language?set=en&next=/desk")
    refused = await (await record(client, phone="12")).text()
    assert refused.count("Please give a valid phone number, e.g. 0171 2345678 or 02241 123456.") == 2
    _, receipt = await receipt_of(client, await record(client, language="en"))
    assert "Payment missing" in receipt and "We will get back to you by Thursday, 26 November 2026, 18:00." in receipt
    assert "Monday and Tuesday from 8 am to 12 noon and from 1 pm to 3 pm" in receipt
    # desk staff reading English hand a German-speaking customer a German receipt
    _, german = await receipt_of(client, await record(client, phone="0151 76543210"))
    assert '<html lang="en">' in german and ">Print<" in german and PROMISED_TODAY in german


async def test_an_ad_hoc_talk_is_recorded_as_settled(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await log_in(client, "dora")
    _, receipt = await receipt_of(client, await record(client, phone="", note="", ad_hoc_talk="yes"))
    [concern] = await concerns(sessions)
    assert concern.ad_hoc_talk and concern.status == "closed" and concern.outcome == "settled"
    assert concern.closed_at == clock() and concern.callback_number is None
    assert "Ihr Anliegen wurde im Gespräch erledigt." in receipt
    assert "Wir melden uns" not in receipt and "Wir rufen an unter" not in receipt


async def test_the_same_form_sent_twice_records_one_concern(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await log_in(client, "dora")
    hidden = await blank_form(client)
    first = await send(client, hidden, {})
    again = await send(client, hidden, {})
    assert first.status == again.status == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(await concerns(sessions)) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConcernSource)) == 1


async def test_a_second_concern_from_the_same_number_joins_the_open_one(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await log_in(client, "dora")
    first, first_receipt = await receipt_of(client, await record(client, topic="application", note="Antrag läuft aus."))
    assert "Wir melden uns bis Montag, 30. November 2026, 12:00 Uhr." in first_receipt
    joined, receipt = await receipt_of(client, await record(client, phone="+49 171 234 5678"))

    assert joined == first
    [concern] = await concerns(sessions)
    assert concern.urgency == "urgent" and concern.due_at == TODAY_18_00  # the urgent request brought it forward
    assert concern.note == "Antrag läuft aus.\n---\nDie Zahlung für November ist nicht eingegangen."
    assert "bereits ein offenes Anliegen" in receipt and f">{first}<" in receipt and PROMISED_TODAY in receipt
    assert "Antrag läuft aus." not in receipt  # what the customer said before is not printed again


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12"}, "phone", message("phone_invalid")),
        ({"phone": ""}, "phone", message("phone_missing")),
        ({"phone": "+33 1 42 68 53 00"}, "phone", message("phone_foreign_landline")),  # a French landline
        ({"phone": "0900 1234567"}, "phone", message("phone_special")),  # a premium-rate number
        ({"phone": "02241 9000 100"}, "phone", message("phone_ours")),  # Siegburg's hotline
        ({"note": ""}, "note", message("note_missing")),
        ({"note": "x" * 1001}, "note", message("note_too_long")),
        (
            {"window_date": "2026-11-27", "window_from": "11:00", "window_to": "09:00"},
            "window_to",
            message("window_reversed"),
        ),
        ({"window_date": "2026-11-27", "window_from": "09:00"}, "window_to", message("window_incomplete")),
        (
            {"window_date": "2026-11-25", "window_from": "09:00", "window_to": "11:00"},
            "window_to",
            message("window_past"),
        ),
        (
            {"window_date": "2026-11-26", "window_from": "08:00", "window_to": "10:00"},
            "window_to",
            message("window_past"),
        ),
        (
            {"window_date": "27.11.2026", "window_from": "09:00", "window_to": "11:00"},
            "window_date",
            message("window_bad_date"),
        ),
        (
            {"window_date": "2026-11-27", "window_from": "9 Uhr", "window_to": "11:00"},
            "window_from",
            message("window_bad_time"),
        ),
        ({"region": "troisdorf"}, "region", message("region_unknown")),  # not dora's desk
        ({"topic": ""}, "topic", message("topic_missing")),
        ({"urgency": "sofort"}, "urgency", message("urgency_unknown")),
        ({"language": "fr"}, "language", message("language_unknown")),  # Siegburg offers no French
        ({"name": "E" * 121}, "name", message("name_too_long")),
        ({"form_id": "x"}, "form", message("form_broken")),
    ],
)
async def test_bad_input_is_refused_next_to_its_field_and_nothing_is_stored(
    client: Client, sessions: async_sessionmaker[AsyncSession], changes: dict[str, str], field: str, message: str
) -> None:
    await log_in(client, "dora")
    response = await send(client, await blank_form(client), changes)
    html = await response.text()
    assert response.status == 400
    assert 'role="alert"' in html and html.count(message) == (1 if field == "form" else 2)  # summary and field
    if field != "form":
        control = re.search(rf'id="{field}"[^>]*>', html)
        assert control, f"no control {field}"
        assert 'aria-invalid="true"' in control.group(0) and f'{field}-error"' in control.group(0)
        assert f'<span class="field-error" id="{field}-error">{message}</span>' in html
    assert 'value="Erika Mustermann"' in html or field == "name"  # what was typed is kept
    assert await concerns(sessions) == []


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0171 2345678", "+491712345678"),
        ("02241 12345", "+49224112345"),
        ("+380 50 123 4567", "+380501234567"),  # a Ukrainian mobile: kept by many who fled to Germany
        ("+44 7911 123456", "+447911123456"),
    ],
)
async def test_german_numbers_and_foreign_mobiles_are_taken(
    client: Client, sessions: async_sessionmaker[AsyncSession], typed: str, stored: str
) -> None:
    await log_in(client, "dora")
    assert (await record(client, phone=typed)).status == 303
    [concern] = await concerns(sessions)
    assert concern.callback_number == stored


async def test_only_desk_staff_may_record_and_see_receipts(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await log_in(client, "dora")
    reference, _ = await receipt_of(client, await record(client))
    await client.post("/logout", data={"csrf_token": csrf_from(await (await client.get("/desk")).text())})

    await log_in(client, "anna")
    assert (await client.get("/desk")).status == 403
    token = csrf_from(await (await client.get("/")).text())
    assert (await client.post("/desk", data=CUSTOMER | {"csrf_token": token, "form_id": "a" * 22})).status == 403
    assert (await client.get(f"/desk/receipt/{reference}")).status == 403
    assert len(await concerns(sessions)) == 1


async def test_pages_of_the_desk_need_a_login(client: Client) -> None:
    for path in ("/desk", "/desk/receipt/ABCD-EFGH"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login" and parse_qsl(location.query) == [("next", path)]


async def test_a_receipt_is_shown_only_for_the_desks_own_region_and_desk_concerns(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await log_in(client, "dora")
    reference, _ = await receipt_of(client, await record(client))
    async with sessions.begin() as session:
        deployment = client.app[keys.DEPLOYMENT]
        siegburg = deployment.region("siegburg")
        assert siegburg is not None
        by_phone = await request_callback(
            session,
            deployment=deployment,
            region=siegburg,
            number="+4922411234567",
            language="de",
            now=clock(),
            pseudonymiser=Pseudonymiser("x" * 32),
            call_sid="CA" + "0" * 32,
        )
    assert (await client.get(f"/desk/receipt/{by_phone.reference}")).status == 404  # a phone callback
    assert (await client.get("/desk/receipt/ABCD-EFGH")).status == 404
    assert (await client.get("/desk/receipt/not-a-reference")).status == 404
    await client.post("/logout", data={"csrf_token": csrf_from(await (await client.get("/desk")).text())})

    await log_in(client, "tom")  # Troisdorf's desk
    assert (await client.get(f"/desk/receipt/{reference}")).status == 404
