"""A counsellor at a browser makes themselves available for a region, gets a staff-line PIN (shown
once) and keeps the phones from which it alone suffices; every state of the page passes axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in, switch_to_english

pytestmark = pytest.mark.browser


def test_counsellor_becomes_available_and_sees_the_outbox_hint(page: Any) -> None:
    log_in(page, "anna")
    page.get_by_role("link", name="Beratung und Rückrufe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beratung und Rückrufe")
    expect(page.get_by_text("nicht verfügbar", exact=True)).to_be_visible()
    assert_accessible(page, "counsellor page, not available")
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("0171 2345678")
    expect(page.get_by_label("Geschäftsstelle Siegburg (0 wartend)")).to_be_checked()
    page.get_by_role("button", name="Verfügbar melden").click()
    expect(page.get_by_role("status")).to_have_text("Sie sind jetzt für Anrufe verfügbar.")
    expect(page.get_by_text("Wir klingeln bei")).to_contain_text("0171 2345678")
    assert_accessible(page, "counsellor page, available")
    page.get_by_role("link", name="Postausgang des Simulators").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Postausgang des Simulators")
    assert_accessible(page, "outbox")


def test_a_bad_phone_number_is_explained_next_to_the_form(page: Any) -> None:
    log_in(page, "anna")
    page.goto("/counsellor")
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("12")
    page.get_by_role("button", name="Verfügbar melden").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte eine gültige Telefonnummer angeben")
    assert_accessible(page, "counsellor page with an error")


def test_a_pin_for_the_staff_line_is_shown_once_and_can_be_renewed(page: Any) -> None:
    log_in(page, "anna")
    page.goto("/counsellor")
    expect(page.get_by_role("heading", name="PIN für die Staff-Line")).to_be_visible()
    assert_accessible(page, "counsellor page")
    page.get_by_role("button", name="PIN ausstellen", exact=True).click()
    shown = page.get_by_role("status")
    expect(shown).to_contain_text("Ihre neue PIN")
    expect(shown).to_contain_text("sie wird nur dieses eine Mal angezeigt")
    first_pin = shown.locator(".new-pin").inner_text()
    assert re.fullmatch(r"\d{6}", first_pin)
    staff_number = page.locator("dd strong").first.inner_text()
    assert re.fullmatch(r"\d{5}", staff_number)
    assert_accessible(page, "counsellor page showing a new PIN")

    page.goto("/counsellor")  # a reload: the PIN is gone, the staff number stays
    expect(page.get_by_text("Ihre neue PIN")).to_have_count(0)
    expect(page.get_by_text(first_pin, exact=True)).to_have_count(0)
    expect(page.get_by_text(staff_number, exact=True)).to_be_visible()
    expect(page.get_by_text("Eine neue PIN ersetzt die bisherige sofort.")).to_be_visible()
    assert_accessible(page, "counsellor page with a PIN issued earlier")
    page.get_by_role("button", name="Neue PIN ausstellen").click()
    expect(page.get_by_role("status")).to_contain_text("Ihre neue PIN")
    assert re.fullmatch(r"\d{6}", page.locator(".new-pin").inner_text())


def test_a_further_phone_for_the_staff_line_is_added_and_removed(page: Any) -> None:
    log_in(page, "anna")
    page.goto("/counsellor")
    page.get_by_label("Weiteres Telefon, z. B. Ihr Mobiltelefon").fill("0151 1234 5678")
    page.get_by_role("button", name="Telefon hinzufügen").click()
    expect(page.get_by_role("status")).to_have_text("Das Telefon ist gespeichert.")
    phones = page.get_by_role("list", name="Telefone, von denen die PIN allein genügt")
    expect(phones).to_contain_text("01511 2345678")  # national notation, as libphonenumber groups it
    assert_accessible(page, "counsellor page with a further phone")
    phones.get_by_role("button", name="Entfernen").click()
    expect(page.get_by_role("status")).to_have_text("Das Telefon ist entfernt.")
    expect(page.get_by_role("list", name="Telefone, von denen die PIN allein genügt")).not_to_contain_text(
        "01511 2345678"
    )


def test_the_counsellor_page_and_the_outbox_read_in_english(page: Any) -> None:
    log_in(page, "anna")
    page.goto("/counsellor")
    switch_to_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Counselling and callbacks")
    assert_accessible(page, "counsellor page in English")
    page.goto("/outbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Simulator outbox")
    assert_accessible(page, "outbox in English")
