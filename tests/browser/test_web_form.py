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
    expect(phone.get_by_text("Wir rufen Sie bis")).to_contain_text(re.compile(r"\d{4}, \d{1,2}:\d{2} Uhr zurück\."))
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


def offered_times(page: Any, name: str) -> list[int]:
    """The times a customer can pick in a select, as minutes since midnight."""
    values = page.locator(f"#{name} option:not([disabled])").evaluate_all("options => options.map(o => o.value)")
    return [int(v[:2]) * 60 + int(v[3:]) for v in values if v]


def test_the_callback_window_lies_inside_the_chosen_days_hotline_hours(page: Any) -> None:
    page.goto("/kontakt/siegburg")
    days = page.locator("#window_day option[data-ranges]")
    assert days.count() == 5
    morning_only = None
    for index in range(days.count()):
        option = days.nth(index)
        ranges = [tuple(map(int, pair.split("-"))) for pair in option.get_attribute("data-ranges").split()]
        page.get_by_label("Tag", exact=True).select_option(option.get_attribute("value"))
        starts, ends = offered_times(page, "window_from"), offered_times(page, "window_to")
        assert starts and ends
        assert all(any(a <= t <= b - 30 for a, b in ranges) for t in starts), (option.inner_text(), starts)
        assert all(any(a + 30 <= t <= b for a, b in ranges) for t in ends), (option.inner_text(), ends)
        if option.inner_text().endswith("bis 12 Uhr)") and morning_only is None:
            morning_only = option.get_attribute("value")
    assert morning_only is not None, "Wednesdays and Fridays close at 12:00: one is always offered"

    page.get_by_label("Tag", exact=True).select_option(morning_only)
    assert max(offered_times(page, "window_to")) == 12 * 60  # nothing after the line closes
    page.get_by_label("Frühestens ab").select_option("10:00")
    assert offered_times(page, "window_to") == [630, 660, 690, 720]  # later than the start, by 12:00
    assert_accessible(page, "contact form: a window on a day the line closes at 12:00")


def test_the_server_refuses_a_window_outside_the_hours_the_page_did_not_offer(page: Any) -> None:
    page.goto("/kontakt/siegburg")
    morning_only = page.locator("#window_day option", has_text="(von 8 bis 12 Uhr)").first
    page.get_by_label("Worum geht es?").select_option(label="Zahlung ausgeblieben")
    page.get_by_label("Ihre Telefonnummer").fill("0171 2345670")
    page.get_by_label("Ihre Nachricht").fill("Bitte rufen Sie mich am Nachmittag an.")
    page.get_by_label("Tag", exact=True).select_option(morning_only.get_attribute("value"))
    page.get_by_label("Frühestens ab").select_option("10:00")
    # As a browser without the page's script would: every time of any offered day is listed.
    page.evaluate(
        "document.querySelectorAll('#window_to option').forEach(o => { o.disabled = false; o.hidden = false; })"
    )
    page.get_by_label("Spätestens bis").select_option("13:30")  # offered for other days only
    page.get_by_label(CONSENT).check()
    page.get_by_role("button", name="Rückruf anfordern").click()
    expect(page.get_by_role("alert")).to_contain_text("Wir rufen nur während der Telefonzeiten zurück.")
    expect(page.get_by_label("Frühestens ab")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "contact form: a window outside the hours refused")


def test_the_thank_you_page_survives_back_forward_and_reload(page: Any) -> None:
    page.goto("/kontakt/siegburg")
    fill_in(page, "0171 2345671")
    page.get_by_label(CONSENT).check()
    page.get_by_role("button", name="Rückruf anfordern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank, Ihre Anfrage ist angekommen")
    reference = page.locator(".reference").inner_text()
    thanks = page.url
    expect(page.locator(".due")).to_contain_text(re.compile(r"\w+, \d{1,2}\. \w+ \d{4}, \d{1,2}:\d{2} Uhr"))

    page.go_back()  # the form again, as sent: the browser keeps it for its history
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rückruf anfordern")
    expect(page.get_by_label("Ihre Telefonnummer")).to_have_value("0171 2345671")
    assert_accessible(page, "contact form after Back from the thank-you page")
    page.get_by_role("button", name="Rückruf anfordern").click()  # sent again: the same concern
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank, Ihre Anfrage ist angekommen")
    assert page.url == thanks and page.locator(".reference").inner_text() == reference

    page.go_back()
    page.go_forward()
    expect(page.locator(".reference")).to_have_text(reference)
    page.reload()  # a plain GET: nothing is sent again
    expect(page.locator(".reference")).to_have_text(reference)
    assert_accessible(page, "contact form: thank-you page after Back, Forward and reload")


def test_back_after_a_corrected_form_shows_the_corrected_form_not_a_browser_error(page: Any) -> None:
    page.goto("/kontakt/siegburg")
    fill_in(page, "0171 2345672")
    page.get_by_role("button", name="Rückruf anfordern").click()
    expect(page.get_by_role("alert")).to_contain_text(CONSENT_MISSING)
    page.get_by_label(CONSENT).check()
    page.get_by_role("button", name="Rückruf anfordern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank, Ihre Anfrage ist angekommen")
    reference = page.locator(".reference").inner_text()

    page.go_back()  # the form as shown with its error, kept by the browser (was net::ERR_CACHE_MISS)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rückruf anfordern")
    assert_accessible(page, "contact form with an error, after Back from the thank-you page")
    page.get_by_label(CONSENT).check()
    page.get_by_role("button", name="Rückruf anfordern").click()
    expect(page.locator(".reference")).to_have_text(reference)  # no second concern
