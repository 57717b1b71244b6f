"""A counsellor at a browser sets her phone once on her profile and calls a customer back from
the concern page: asked first outside the customer's window, then the call's progress shown live
as the fake Twilio reports it. Every state of the pages passes axe-core."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from tests.browser.conftest import assert_accessible, log_in, switch_to_english
from tests.browser.test_worklist import record_concern
from tests.fakes.twilio_api import FakeTwilioApi
from tests.processes import ServedHotline, free_port, hotline_env
from tests.twilio_requests import new_sid

pytestmark = pytest.mark.browser

ACCOUNT = "AC" + "7" * 32
TOKEN = "browser-test-twilio-token"
HOTLINE_NUMBER = "+4922419000100"
ANNA_PHONE = "+491712223334"
CUSTOMER = "+4915177788899"


@pytest.fixture(scope="module")
def fake_twilio() -> Iterator[tuple[FakeTwilioApi, str]]:
    """The fake Twilio REST API on loopback, served from a thread of its own (Playwright's sync
    API holds this thread's event loop)."""
    fake = FakeTwilioApi(ACCOUNT, TOKEN)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = web.AppRunner(fake.application())
    port = free_port()
    asyncio.run_coroutine_threadsafe(runner.setup(), loop).result(10)
    asyncio.run_coroutine_threadsafe(web.TCPSite(runner, "127.0.0.1", port).start(), loop).result(10)
    yield fake, f"http://127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.fixture(scope="module")
def served_env(tmp_path_factory: pytest.TempPathFactory, fake_twilio: tuple[FakeTwilioApi, str]) -> dict[str, str]:
    """The service with a Twilio account whose REST API is the fake."""
    var: Path = tmp_path_factory.mktemp("browser-call-now") / "var"
    return hotline_env(var, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_API_BASE_URL=fake_twilio[1])


def twilio_reports(page: Any, url: str, **fields: str) -> None:
    """Twilio calls the service back at `url` (one the service gave it), signed with the account's token."""
    form = {"AccountSid": ACCOUNT, "ApiVersion": "2010-04-01", **fields}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    path = urlsplit(url)
    answered = page.request.post(f"{path.path}?{path.query}", form=form, headers={"X-Twilio-Signature": signature})
    assert answered.status == 200, answered.text()


def test_a_counsellor_sets_her_phone_on_her_profile(page: Any, provoked_statuses: set[int]) -> None:
    log_in(page, "anna")
    page.get_by_role("link", name="Ihr Profil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Profil")
    expect(page.get_by_text("keine hinterlegt")).to_be_visible()
    assert_accessible(page, "profile without a phone")
    provoked_statuses.add(400)
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("12")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte eine gültige Telefonnummer angeben")
    assert_accessible(page, "profile with a wrong phone")
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("0171 222 33 34")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Ihre Telefonnummer ist gespeichert.")
    expect(page.get_by_role("link", name="0171 2223334")).to_have_attribute("href", "tel:+49-171-2223334")
    assert_accessible(page, "profile with a phone")


def test_call_now_asks_outside_the_window_then_shows_the_call_live(
    page: Any, hotline: ServedHotline, fake_twilio: tuple[FakeTwilioApi, str]
) -> None:
    fake, _ = fake_twilio
    # The customer can be reached tomorrow only: whatever the hour of the run, now is outside.
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    reference = record_concern(
        page,
        phone="0151 77788899",
        topic="documents",
        note="Bescheid fehlt",
        request_id="browser-call-now-1",
        window_start=tomorrow.isoformat(),
        window_end=(tomorrow + dt.timedelta(hours=2)).isoformat(),
    )
    log_in(page, "anna")
    page.goto("/profil")
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("0171 2223334")
    page.get_by_role("button", name="Speichern").click()

    page.goto(f"/concerns/{reference}")
    expect(page.get_by_role("link", name="01517 7788899")).to_have_attribute("href", "tel:+49-1517-7788899")
    page.get_by_role("button", name="Übernehmen", exact=True).click()
    page.get_by_role("button", name="Jetzt anrufen").click()
    question = page.locator("#call-question")
    expect(question).to_have_text(
        re.compile(
            r"^Es ist \d\d:\d\d, außerhalb des Zeitfensters, das die Kundin oder der Kunde angegeben hat\. "
            r"Trotzdem anrufen\?$"
        )
    )
    assert_accessible(page, "call now: asked first, outside the customer's window")
    page.get_by_role("button", name="Abbrechen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anliegen {reference}")
    expect(page.locator("#call-state")).to_have_count(0)  # nothing was dialled
    assert not [r for r in fake.requests if r.path.endswith("/Calls.json")]

    page.get_by_role("button", name="Jetzt anrufen").click()
    page.get_by_role("button", name="Trotzdem anrufen").click()
    live = page.get_by_role("status")
    expect(live).to_have_text(
        "Ihr Telefon klingelt gleich; nehmen Sie ab, dann wird die Kundin oder der Kunde angerufen."
    )
    assert_accessible(page, "call now: ringing the counsellor")
    [ring] = [r for r in fake.requests if r.path.endswith("/Calls.json")]
    assert ring.form["To"] == ANNA_PHONE and ring.form["From"] == HOTLINE_NUMBER
    anna_leg = new_sid("CA")
    leg = {"CallSid": anna_leg, "From": HOTLINE_NUMBER, "To": ANNA_PHONE, "Direction": "outbound-api"}

    # Anna answers: the service's TwiML dials the customer; the page follows without a reload.
    twilio_reports(page, ring.form["Url"], CallStatus="in-progress", **leg)
    expect(live).to_have_text("Sie sind verbunden. Das Telefon der Kundin oder des Kunden klingelt.")
    assert_accessible(page, "call now: ringing the customer")

    attempt = re.search(r"attempt=(\d+)", ring.form["Url"])
    assert attempt is not None
    amd = f"{hotline.base_url}/twilio/attempt/amd?attempt={attempt.group(1)}"
    customer_leg = {"CallSid": new_sid("CA"), "From": HOTLINE_NUMBER, "To": CUSTOMER, "Direction": "outbound-dial"}
    twilio_reports(page, amd, AnsweredBy="human", CallStatus="in-progress", **customer_leg)
    expect(live).to_have_text("Die Kundin oder der Kunde hat abgenommen. Sie sind verbunden.")
    assert_accessible(page, "call now: connected")

    dialled = f"{hotline.base_url}/twilio/attempt/dialled?attempt={attempt.group(1)}"
    twilio_reports(page, dialled, CallStatus="in-progress", DialCallStatus="busy", **leg)
    expect(live).to_have_text("Der Anruf ist beendet. besetzt")
    expect(page.locator("#attempt-count")).to_have_text("1")
    assert_accessible(page, "call now: ended, busy")
    page.reload()
    expect(page.get_by_role("table", name="Anrufversuche")).to_contain_text("Anna Schmidtbesetzt")
    expect(page.get_by_role("list").last).to_contain_text("Anrufversuch: besetzt – von Anna Schmidt")
    assert_accessible(page, "concern after the call")


def test_the_question_and_the_call_read_in_english(page: Any) -> None:
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    reference = record_concern(
        page,
        phone="0151 44455566",
        topic="documents",
        note="Antrag",
        request_id="browser-call-now-2",
        window_start=tomorrow.isoformat(),
        window_end=(tomorrow + dt.timedelta(hours=2)).isoformat(),
    )
    log_in(page, "anna")
    page.goto("/profil")  # the phone to ring, whichever test ran first
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("0171 2223334")
    page.get_by_role("button", name="Speichern").click()
    page.goto(f"/concerns/{reference}")
    switch_to_english(page)
    page.get_by_role("button", name="Take it").click()
    page.get_by_role("button", name="Call now").click()
    expect(page.locator("#call-question")).to_have_text(
        re.compile(r"^It is \d{1,2}:\d\d( [AP]M)?, outside the time window the customer gave\. Call anyway\?$")
    )
    assert_accessible(page, "call now: asked first, in English")
    page.get_by_role("button", name="Call anyway").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your phone rings in a moment; answer it and the customer is called."
    )
    expect(page.get_by_role("heading", name="Call", exact=True)).to_be_visible()
    assert_accessible(page, "call now: ringing the counsellor, in English")
