"""A customer on a phone asks for a callback through the public web form, without an account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, browser_tab
from tests.processes import ServedHotline

pytestmark = pytest.mark.browser

CONSENT = "Ich habe den Datenschutzhinweis gelesen und bin mit dem Rückruf einverstanden."
CONSENT_MISSING = "Bitte stimmen Sie dem Datenschutzhinweis zu, damit wir Sie zurückrufen dürfen."


@pytest.fixture
def phone(browser: Any, hotline: ServedHotline) -> Iterator[Any]:
    """A page in a phone-sized viewport with touch, as most customers will see the form."""
    with browser_tab(
        browser,
        hotline.base_url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    ) as tab:
        yield tab


def fill_in(page: Any, number: str) -> None:
    """Everything a customer enters but the consent: topic, number, message, Day 2 10:00–12:00."""
    page.get_by_label("Worum geht es?").select_option(label="Zahlung ausgeblieben")
    page.get_by_label("Ihre Telefonnummer").fill(number)
    page.get_by_label("Ihre Nachricht").fill("Meine Zahlung für diesen Monat ist nicht angekommen.")
    page.get_by_label("Tag", exact=True).select_option(index=2)  # the second working day offered: never past
    page.get_by_label("Frühestens ab").select_option("10:00")
    page.get_by_label("Spätestens bis").select_option("12:00")


def test_a_customer_on_a_phone_asks_for_a_callback_and_gets_a_reference(phone: Any) -> None:
    phone.goto("/kontakt")
    assert_accessible(phone, "contact form: the regions")
    phone.get_by_role("link", name="Geschäftsstelle Siegburg").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Rückruf anfordern")
    assert_accessible(phone, "contact form")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    button = phone.get_by_role("button", name="Rückruf anfordern").bounding_box()
    assert button["height"] >= 44 and button["width"] >= 300, "a large touch target across the screen"
    expect(phone.locator("#website")).not_to_be_in_viewport()  # the honeypot stays out of sight

    fill_in(phone, "0171 2345678")
    phone.get_by_label(CONSENT).check()
    phone.get_by_role("button", name="Rückruf anfordern").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Vielen Dank, Ihre Anfrage ist angekommen")
    expect(phone.locator(".reference")).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    expect(phone.get_by_text("Wir rufen Sie bis")).to_contain_text("Uhr zurück.")
    expect(phone.get_by_text("Geschäftsstelle Siegburg", exact=True)).to_be_visible()
    assert_accessible(phone, "contact form: thank-you page")


def test_everything_missing_is_listed_above_the_form_and_marked_at_each_field(phone: Any) -> None:
    phone.goto("/kontakt/siegburg")
    phone.get_by_role("button", name="Rückruf anfordern").click()
    problems = phone.get_by_role("alert")
    expect(problems).to_contain_text("Bitte prüfen Sie Ihre Angaben")
    expect(problems.get_by_role("link")).to_have_count(4)  # topic, number, message, consent
    for label in ("Worum geht es?", "Ihre Telefonnummer", "Ihre Nachricht", CONSENT):
        expect(phone.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    assert_accessible(phone, "contact form with every field missing")


def test_a_missing_consent_is_explained_at_the_checkbox(phone: Any) -> None:
    phone.goto("/kontakt/siegburg")
    fill_in(phone, "0171 7654321")
    phone.get_by_role("button", name="Rückruf anfordern").click()

    expect(phone.get_by_role("alert")).to_contain_text(CONSENT_MISSING)
    consent = phone.get_by_label(CONSENT)
    expect(consent).to_have_attribute("aria-invalid", "true")
    expect(consent).to_have_accessible_description(CONSENT_MISSING)
    expect(phone.get_by_label("Ihre Telefonnummer")).to_have_value("0171 7654321")  # nothing typed is lost
    expect(phone.get_by_label("Frühestens ab")).to_have_value("10:00")
    assert_accessible(phone, "contact form with an error")

    consent.check()
    phone.get_by_role("button", name="Rückruf anfordern").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Vielen Dank, Ihre Anfrage ist angekommen")


def test_the_form_is_one_click_away_from_english(page: Any) -> None:
    page.goto("/kontakt")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, "contact form: the regions, in English")
    page.get_by_role("link", name="Geschäftsstelle Siegburg").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Request a callback")
    expect(page.get_by_label("What is it about?")).to_contain_text("Payment missing")
    expect(page.get_by_label("Your phone number")).to_be_visible()
    expect(page.get_by_label("I have read the data protection notice and agree to be called back.")).to_be_visible()
    expect(page.get_by_role("button", name="Request a callback")).to_be_visible()
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).length"""
    )
    assert unlabelled == 0
    assert_accessible(page, "contact form in English")

    page.get_by_label("What is it about?").select_option(label="Payment missing")
    page.get_by_label("Your phone number").fill("0171 2223334")
    page.get_by_label("Your message").fill("My payment for this month has not arrived.")
    page.get_by_role("button", name="Request a callback").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Please agree to the data protection notice so that we may call you back."
    )
    assert_accessible(page, "contact form with an error, in English")
    page.get_by_label("I have read the data protection notice and agree to be called back.").check()
    page.get_by_role("button", name="Request a callback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your request has arrived")
    assert_accessible(page, "contact form: thank-you page in English")
