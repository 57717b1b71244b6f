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
# Playwright matches in JavaScript, where \w is ASCII only: Turkish month and day names need \S.
PROMISE_TR = re.compile(r"Sizinle en geç şu tarihte iletişime geçeceğiz: \d{1,2} \S+ \d{4} \S+, saat \d{2}:\d{2}\.")


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
    # The customer speaks Turkish: the receipt does, the page around it stays German for the desk.
    receipt = page.locator("article.desk-receipt")
    expect(receipt).to_have_attribute("lang", "tr")
    expect(receipt).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Talebinizin onayı")
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    expect(receipt.get_by_text(PROMISE_TR)).to_be_visible()
    expect(receipt.get_by_text("Ödeme yapılmadı")).to_be_visible()
    expect(receipt.get_by_text("•••• ••••678")).to_be_visible()
    expect(receipt.get_by_role("link", name="02241 9000100")).to_have_attribute("href", "tel:+49-2241-9000100")
    expect(receipt).to_contain_text("Pazartesi ve Salı saat 8:00 ile 12:00 arası ve 13:00 ile 15:00 arası")
    print_button = page.get_by_role("button", name="Drucken")
    expect(print_button).to_be_visible()
    assert_accessible(page, "desk receipt in Turkish")
    # The button opens the print dialog through /static/print.js (the page has no inline script);
    # headless Chromium has no dialog, so window.print is counted instead.
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    print_button.click()
    assert page.evaluate("window.printed") == 1

    page.emulate_media(media="print")  # the printout: the receipt without buttons and navigation
    expect(print_button).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".reference")).to_be_visible()
    expect(receipt.get_by_text("Telefon saatleri")).to_be_visible()
    assert_accessible(page, "desk receipt in Turkish as printed")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Nächstes Anliegen aufnehmen").click()
    expect(page.get_by_label("Telefonnummer für den Rückruf")).to_have_value("")


def record_for(page: Any, *, phone: str, language: str) -> Any:
    """Record a concern at the desk for a customer speaking `language` (its German name); the receipt."""
    page.goto("/desk")
    page.get_by_label("Telefonnummer für den Rückruf").fill(phone)
    page.get_by_label("Thema", exact=True).select_option(label="Antrag oder Weiterbewilligung (normal)")
    page.get_by_label("Sprache des Gesprächs").select_option(label=language)
    page.get_by_label("Anliegen in Kürze").fill("Weiterbewilligung läuft aus.")
    page.get_by_role("button", name="Anliegen speichern").click()
    expect(page).to_have_url(re.compile(r"/desk/receipt/"))
    return page.locator("article.desk-receipt")


def test_a_german_receipt_carries_the_due_day_the_hotline_and_its_hours(page: Any) -> None:
    log_in(page, "dora")
    receipt = record_for(page, phone="0151 23456789", language="Deutsch")
    expect(receipt).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bestätigung Ihres Anliegens")
    expect(receipt.get_by_text(PROMISE)).to_be_visible()
    expect(receipt.get_by_text("Antrag oder Weiterbewilligung")).to_be_visible()
    expect(receipt.get_by_text(re.compile(r"^[• ]+789$"))).to_be_visible()
    expect(receipt).to_contain_text("Montag und Dienstag von 8 bis 12 und von 13 bis 15 Uhr")
    expect(receipt.get_by_role("link", name="02241 9000100")).to_be_visible()
    assert_accessible(page, "desk receipt in German")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Drucken")).to_be_hidden()
    assert_accessible(page, "desk receipt in German as printed")


def test_an_arabic_receipt_is_printed_right_to_left(page: Any) -> None:
    log_in(page, "dora")
    receipt = record_for(page, phone="0160 98765432", language="Arabisch")
    expect(receipt).to_have_attribute("lang", "ar")
    expect(receipt).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("تأكيد طلبكم")
    expect(receipt.get_by_text(re.compile(r"^[• ]+432$"))).to_be_visible()
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    assert_accessible(page, "desk receipt in Arabic, right to left")


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
    page.get_by_label("Language of the conversation").select_option(label="English")
    page.get_by_label("The concern in brief").fill("Brings the bank statements next week.")
    page.get_by_role("button", name="Save concern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmation of your concern")
    promise = re.compile(r"We will get back to you by \w+,? \d{1,2} \w+ \d{4}, \d{2}:\d{2}\.")
    expect(page.get_by_text(promise)).to_be_visible()
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    assert_accessible(page, "desk receipt in English")
