"""The front desk at a browser records a walk-in customer's concern and prints the receipt."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in, switch_to_english

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")
# The served app runs on the real clock: the day and hour promised depend on when the test runs.
PROMISE = re.compile(r"Wir melden uns bis \w+, \d{1,2}\. \w+ \d{4}, \d{2}:\d{2} Uhr\.")


def test_the_desk_records_a_concern_and_prints_the_receipt(page: Any) -> None:
    log_in(page, "dora")
    assert_accessible(page, "start page of the front desk")
    page.get_by_role("link", name="Empfang").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Empfang")
    assert_accessible(page, "desk form")
    expect(page.get_by_label("Geschäftsstelle")).to_have_value("siegburg")  # dora's only region
    page.get_by_label("Name (freiwillig)").fill("Erika Mustermann")
    page.get_by_label("Telefonnummer für den Rückruf").press_sequentially("0171 2345678")
    page.get_by_label("Thema", exact=True).select_option(label="Zahlung ausgeblieben (dringend)")
    page.get_by_role("radiogroup", name="Dringlichkeit").get_by_label("dringend", exact=True).check()
    next_week = dt.date.today() + dt.timedelta(days=7)
    page.get_by_label("Datum").fill(next_week.isoformat())
    page.get_by_label("von", exact=True).fill("09:00")
    page.get_by_label("bis", exact=True).fill("11:00")
    page.get_by_label("Sprache des Gesprächs").select_option(label="Türkisch")
    page.get_by_label("Anliegen in Kürze").fill("Die Zahlung für diesen Monat ist nicht eingegangen.")
    page.get_by_role("button", name="Anliegen speichern").click()

    expect(page).to_have_url(re.compile(r"/desk/receipt/[A-Z0-9]{4}-[A-Z0-9]{4}\?form="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bestätigung Ihres Anliegens")
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    expect(page.get_by_text(PROMISE)).to_be_visible()
    expect(page.get_by_text("Zahlung ausgeblieben")).to_be_visible()
    expect(page.get_by_text("+•• ••• ••••678")).to_be_visible()
    print_button = page.get_by_role("button", name="Drucken")
    expect(print_button).to_be_visible()
    assert_accessible(page, "desk receipt")
    # The button opens the print dialog through /static/print.js (the page has no inline script);
    # headless Chromium has no dialog, so window.print is counted instead.
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    print_button.click()
    assert page.evaluate("window.printed") == 1

    page.emulate_media(media="print")  # the printout: the receipt without buttons and navigation
    expect(print_button).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".reference")).to_be_visible()
    assert_accessible(page, "desk receipt as printed")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Nächstes Anliegen aufnehmen").click()
    expect(page.get_by_label("Telefonnummer für den Rückruf")).to_have_value("")


def test_an_invalid_phone_number_is_explained_next_to_the_field(page: Any) -> None:
    log_in(page, "dora")
    page.goto("/desk")
    page.get_by_label("Thema", exact=True).select_option(label="Sonstiges (normal)")
    page.get_by_label("Anliegen in Kürze").fill("Frage zum Bescheid.")
    phone = page.get_by_label("Telefonnummer für den Rückruf")
    phone.fill("12")
    phone.press("Enter")  # sends the form from the keyboard

    expect(page.get_by_role("alert")).to_contain_text("Bitte geben Sie eine gültige Telefonnummer an")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(re.compile("Bitte geben Sie eine gültige Telefonnummer an"))
    expect(phone).to_have_value("12")
    expect(page.get_by_label("Anliegen in Kürze")).to_have_value("Frage zum Bescheid.")
    assert_accessible(page, "desk form with an error")
    page.get_by_role("alert").get_by_role("link").click()  # the summary leads to the field
    expect(phone).to_be_focused()


def test_the_desk_works_in_english(page: Any) -> None:
    log_in(page, "dora")
    page.goto("/desk")
    switch_to_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Front desk")
    assert_accessible(page, "desk form in English")
    page.get_by_role("button", name="Save concern").click()  # nothing entered
    expect(page.get_by_role("alert")).to_contain_text("Please check your entries")
    assert_accessible(page, "desk form with errors in English")
    page.get_by_label("Phone number for the callback").fill("0171 7654321")
    page.get_by_label("Topic", exact=True).select_option(label="Documents and proofs (normal)")
    page.get_by_label("The concern in brief").fill("Brings the bank statements next week.")
    page.get_by_role("button", name="Save concern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmation of your concern")
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    assert_accessible(page, "desk receipt in English")
