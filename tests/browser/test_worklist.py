"""A counsellor works the queue in a browser: the worklist, taking the next concern, calling, closing it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from config.settings import load_settings
from tests.browser.conftest import assert_accessible, browser_tab, log_in, switch_to_english
from tests.processes import ServedHotline
from tests.twilio_requests import new_sid

pytestmark = pytest.mark.browser


def log_out(page: Any) -> None:
    page.get_by_role("button", name=re.compile("^(Abmelden|Log out)$")).click()


def record_concern(page: Any, *, phone: str, topic: str, note: str, request_id: str, **more: str) -> str:
    """The front desk records a concern through the JSON API (`more`: name, language, ...); its reference."""
    log_in(page, "dora")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    created = page.request.post(
        "/api/concerns",
        data={"region": "siegburg", "phone": phone, "topic": topic, "note": note, "request_id": request_id} | more,
        headers={"X-CSRF-Token": token},
    )
    assert created.status == 201, created.text()
    log_out(page)
    return str(created.json()["reference"])


def call_now(page: Any) -> None:
    """Press "Jetzt anrufen"; outside the hotline hours (the served app runs on the real clock)
    the page asks first, and the counsellor calls anyway (tests/browser/test_call_now.py checks
    the question itself)."""
    page.get_by_role("button", name="Jetzt anrufen").click()
    if page.get_by_role("button", name="Trotzdem anrufen").count():
        page.get_by_role("button", name="Trotzdem anrufen").click()


def test_counsellor_takes_the_next_concern_and_closes_it(page: Any) -> None:
    reference = record_concern(
        page, phone="0151 11122233", topic="payment", note="Geld fehlt", request_id="browser-worklist-1"
    )

    log_in(page, "anna")
    page.goto("/worklist")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rückrufliste")
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("dringend")
    expect(row).to_contain_text("Zahlung ausgeblieben")
    assert_accessible(page, "worklist with a row")
    page.get_by_role("button", name="Nächstes Anliegen übernehmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anliegen {reference}")
    expect(page.get_by_text("Geld fehlt")).to_be_visible()
    expect(page.get_by_role("button", name="Jetzt anrufen")).to_be_visible()
    assert_accessible(page, "concern taken by me")
    page.get_by_label("Ergebnis").select_option("settled")
    page.get_by_role("button", name="Abschließen").click()
    expect(page.get_by_role("status")).to_have_text("Das Anliegen ist abgeschlossen.")
    expect(page.get_by_role("list").last).to_contain_text(re.compile("abgeschlossen: erledigt"))
    assert_accessible(page, "concern closed")
    page.goto("/board")
    expect(page.get_by_role("row").filter(has_text="Geschäftsstelle Siegburg")).to_contain_text("(100,0\u00a0%)")
    assert_accessible(page, "status board")


def test_counsellor_merges_a_contact_form_request_into_the_concern_of_its_number(
    browser: Any, hotline: ServedHotline, page: Any
) -> None:
    reference = record_concern(
        page, phone="+49 151 44455566", topic="application", note="Weiterbewilligung", request_id="browser-worklist-2"
    )

    with browser_tab(browser, hotline.base_url) as form:  # anonymous, on a browser of its own
        form.goto("/kontakt/siegburg")
        form.get_by_label("Worum geht es?").select_option(label="Unterlagen und Nachweise")
        form.get_by_label("Ihre Telefonnummer").fill("0151 44455566")
        form.get_by_label("Ihre Nachricht").fill("Ich reiche die Kontoauszüge nach.")
        form.get_by_label("Ich habe den Datenschutzhinweis gelesen und bin mit dem Rückruf einverstanden.").check()
        form.get_by_role("button", name="Rückruf anfordern").click()
        own = form.locator(".reference")
        expect(own).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
        submitted = own.inner_text()
        assert_accessible(form, "contact form: thank-you page for a number with an open concern")
    assert submitted != reference

    log_in(page, "anna")
    page.goto("/worklist")
    row = page.get_by_role("row").filter(has_text=submitted)
    expect(row).to_contain_text("unverifiziert, aus dem Kontaktformular")
    expect(row.get_by_role("link", name=reference)).to_be_visible()
    assert_accessible(page, "worklist with an unverified, linked row")
    page.goto(f"/concerns/{reference}")
    expect(page.get_by_text("Unverifizierte Anfragen derselben Nummer")).to_be_visible()
    assert_accessible(page, "concern with an unverified request of its number")
    page.goto("/worklist")
    row.get_by_role("link", name=submitted).click()
    expect(page.get_by_role("heading", level=2, name="Unverifizierte Anfrage")).to_be_visible()
    expect(page.get_by_role("button", name="Übernehmen", exact=True)).to_be_visible()
    assert_accessible(page, "unverified concern linked to an open one")
    page.get_by_role("button", name=f"In {reference} übernehmen und dieses abschließen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anliegen {reference}")
    expect(page.get_by_role("status")).to_contain_text("übernommen und abgeschlossen")
    expect(page.get_by_text("Ich reiche die Kontoauszüge nach.")).to_be_visible()
    assert_accessible(page, "concern with a request merged into it")


def test_a_call_back_without_a_phone_is_explained_and_then_placed_through_the_outbox(
    page: Any, provoked_statuses: set[int]
) -> None:
    reference = record_concern(
        page, phone="0151 77788899", topic="documents", note="Bescheid fehlt", request_id="browser-worklist-3"
    )
    log_in(page, "anna")
    page.goto(f"/concerns/{reference}")
    page.get_by_role("button", name="Übernehmen", exact=True).click()
    provoked_statuses.add(502)  # no phone of anna's to ring yet: the call cannot start
    call_now(page)
    expect(page.get_by_role("alert")).to_contain_text("Anruf nicht möglich")
    assert_accessible(page, "concern whose call could not start")

    page.goto("/counsellor")
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("0171 2345678")
    page.get_by_role("button", name="Verfügbar melden").click()
    expect(page.get_by_role("status")).to_have_text("Sie sind jetzt für Anrufe verfügbar.")
    page.goto(f"/concerns/{reference}")
    call_now(page)
    expect(page.get_by_role("status")).to_contain_text("Ihr Telefon klingelt gleich")
    assert_accessible(page, "concern being called back")

    page.goto("/outbox")
    expect(page.get_by_role("row").filter(has_text="+491712345678")).to_have_count(1)
    assert_accessible(page, "outbox with a call")
    page.goto(f"/concerns/{reference}")
    page.get_by_label("Ergebnis").select_option("settled")
    page.get_by_role("button", name="Abschließen").click()
    expect(page.get_by_role("status")).to_have_text("Das Anliegen ist abgeschlossen.")


def test_a_voicemail_has_a_player_on_its_concern_page(
    page: Any, served_env: dict[str, str], hotline: ServedHotline
) -> None:
    # Twilio reports the recording left on Siegburg's hotline, signed as Twilio signs it.
    settings = load_settings(served_env)
    path = "/twilio/voicemail/done?lang=de"
    recording = new_sid("RE")
    fields = {
        "CallSid": new_sid("CA"),
        "AccountSid": settings.webhook_account_sid,
        "From": "+4917612345678",
        "To": "+4922419000100",
        "CallStatus": "completed",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "RecordingSid": recording,
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{recording}",
        "RecordingDuration": "14",
    }
    # Without HOTLINE_PUBLIC_URL the served app's public URL is the one it serves on.
    signature = RequestValidator(settings.webhook_auth_token).compute_signature(hotline.base_url + path, fields)
    answered = page.request.post(path, form=fields, headers={"X-Twilio-Signature": signature})
    assert answered.status == 200, answered.text()

    log_in(page, "anna")
    page.goto("/worklist")
    page.get_by_label("Kanal").select_option(label="Sprachnachricht")
    page.get_by_role("button", name="Filtern").click()
    page.get_by_role("row").filter(has_text="Sprachnachricht").first.get_by_role("link").first.click()
    player = page.get_by_label("Sprachnachricht abspielen")
    expect(player).to_have_attribute("src", re.compile(r"^/concerns/[A-Z0-9-]+/recording$"))
    expect(page.get_by_text("Keine Abschrift vorhanden.")).to_be_visible()
    assert_accessible(page, "concern with a voicemail player")


def test_the_worklist_is_filtered_by_topic_channel_and_status(page: Any) -> None:
    reference = record_concern(
        page, phone="0151 12121212", topic="work", note="Weiterbildung", request_id="browser-worklist-4"
    )
    log_in(page, "anna")
    page.goto("/worklist")
    page.get_by_label("Thema").select_option(label="Arbeit, Vermittlung, Weiterbildung")
    page.get_by_label("Kanal").select_option(label="Empfang")
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"topic=work"))
    expect(page.get_by_role("row").filter(has_text=reference)).to_have_count(1)
    expect(page.get_by_label("Thema")).to_have_value("work")
    assert_accessible(page, "worklist filtered")
    page.get_by_label("Stand").select_option(label="nicht erreicht")
    page.get_by_role("button", name="Filtern").click()
    expect(page.get_by_role("cell", name="Keine Anliegen.")).to_be_visible()
    assert_accessible(page, "worklist filtered to nothing")


def test_the_worklist_a_concern_and_the_board_read_in_english(page: Any) -> None:
    reference = record_concern(
        page, phone="0151 34343434", topic="application", note="Renewal", request_id="browser-worklist-5"
    )
    log_in(page, "anna")
    page.goto("/worklist")
    switch_to_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Callback worklist")
    assert_accessible(page, "worklist in English")
    page.get_by_role("row").filter(has_text=reference).get_by_role("link", name=reference).click()
    expect(page.get_by_role("button", name="Take it")).to_be_visible()
    assert_accessible(page, "concern in English")
    page.get_by_role("link", name="To the callback worklist").click()
    page.get_by_role("link", name="Status board").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Status board")
    assert_accessible(page, "status board in English")


def order_of(page: Any, *references: str) -> list[str]:
    """The given references in the order the worklist shows them."""
    rows = page.locator("tbody tr").filter(has_text=re.compile("|".join(references))).all_inner_texts()
    return [next(r for r in references if r in row) for row in rows]


def test_the_worklist_has_columns_to_triage_by_sorts_by_a_clicked_header_and_lists_closed_ones(page: Any) -> None:
    zora = record_concern(
        page,
        phone="0151 56565656",
        topic="documents",
        note="Nachweis",
        request_id="browser-worklist-6",
        name="Zora Zander",
        language="tr",
    )
    adam = record_concern(
        page,
        phone="0151 67676767",
        topic="documents",
        note="Nachweis",
        request_id="browser-worklist-7",
        name="Adam Abel",
    )
    log_in(page, "anna")
    page.goto("/worklist")
    headers = ["Vorgang", "Eingang", "Name", "Sprache", "Thema", "Kanal", "Versuche", "In Bearbeitung bei", "Fällig"]
    expect(page.get_by_role("columnheader")).to_have_text(headers)  # one region: no region column
    row = page.get_by_role("row").filter(has_text=zora)
    for text in ("Zora Zander", "Türkisch", "Unterlagen und Nachweise", "Empfang", "vor "):
        expect(row).to_contain_text(text)
    expect(page.get_by_role("columnheader", name="Fällig")).to_have_attribute("aria-sort", "ascending")
    assert order_of(page, zora, adam) == [zora, adam]  # due first: Zora's came in first
    assert_accessible(page, "worklist with its columns")

    page.get_by_role("link", name="Name", exact=True).focus()
    page.keyboard.press("Enter")  # sorting works from the keyboard
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_role("table")).to_contain_text("sortiert nach Name, aufsteigend")
    assert order_of(page, zora, adam) == [adam, zora]
    assert_accessible(page, "worklist sorted by name")
    page.get_by_role("link", name="Name", exact=True).click()
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "descending")
    assert order_of(page, zora, adam) == [zora, adam]
    assert_accessible(page, "worklist sorted by name, descending")

    page.goto(f"/concerns/{adam}")
    page.get_by_role("button", name="Übernehmen", exact=True).click()
    page.get_by_label("Ergebnis").select_option("settled")
    page.get_by_role("button", name="Abschließen").click()
    expect(page.get_by_role("status")).to_have_text("Das Anliegen ist abgeschlossen.")
    page.goto("/worklist")
    expect(page.get_by_role("row").filter(has_text=adam)).to_have_count(0)  # open only, by default
    page.get_by_label("Stand").select_option(label="abgeschlossen")
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"status=closed"))
    closed = page.get_by_role("row").filter(has_text=adam)
    expect(closed).to_contain_text("Anna Schmidt")
    expect(closed).to_contain_text("abgeschlossen")
    expect(page.get_by_role("columnheader", name="Abgeschlossen von")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=zora)).to_have_count(0)
    assert_accessible(page, "worklist of closed concerns")
    switch_to_english(page)
    expect(page.get_by_role("columnheader", name="Closed by")).to_be_visible()
    assert_accessible(page, "worklist of closed concerns in English")
