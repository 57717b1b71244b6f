"""A counsellor at a browser makes themselves available for a region, gets a staff-line PIN (shown
once) and keeps the phones from which it alone suffices; every state of the page passes axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


def no_axe_violations(page: Any) -> None:
    """axe-core (shipped inside the axe-playwright-python wheel) finds nothing on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def log_in(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Benutzername").fill("anna")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_counsellor_becomes_available_and_sees_the_outbox_hint(page: Any) -> None:
    log_in(page)
    page.get_by_role("link", name="Beratung und Rückrufe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beratung und Rückrufe")
    expect(page.get_by_text("nicht verfügbar", exact=True)).to_be_visible()
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("0171 2345678")
    expect(page.get_by_label("Geschäftsstelle Siegburg (0 wartend)")).to_be_checked()
    page.get_by_role("button", name="Verfügbar melden").click()
    expect(page.get_by_role("status")).to_have_text("Sie sind jetzt für Anrufe verfügbar.")
    expect(page.get_by_text("Wir klingeln bei")).to_contain_text("+491712345678")
    no_axe_violations(page)
    page.get_by_role("link", name="Postausgang des Simulators").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Postausgang des Simulators")


def test_a_bad_phone_number_is_explained_next_to_the_form(page: Any) -> None:
    log_in(page)
    page.goto("/counsellor")
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("12")
    page.get_by_role("button", name="Verfügbar melden").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte eine gültige Telefonnummer angeben")
    no_axe_violations(page)


def test_a_pin_for_the_staff_line_is_shown_once_and_can_be_renewed(page: Any) -> None:
    log_in(page)
    page.goto("/counsellor")
    expect(page.get_by_role("heading", name="PIN für die Staff-Line")).to_be_visible()
    no_axe_violations(page)
    page.get_by_role("button", name="PIN ausstellen", exact=True).click()
    shown = page.get_by_role("status")
    expect(shown).to_contain_text("Ihre neue PIN")
    expect(shown).to_contain_text("sie wird nur dieses eine Mal angezeigt")
    first_pin = shown.locator(".new-pin").inner_text()
    assert re.fullmatch(r"\d{6}", first_pin)
    staff_number = page.locator("dd strong").first.inner_text()
    assert re.fullmatch(r"\d{5}", staff_number)
    no_axe_violations(page)

    page.goto("/counsellor")  # a reload: the PIN is gone, the staff number stays
    expect(page.get_by_text("Ihre neue PIN")).to_have_count(0)
    expect(page.get_by_text(first_pin, exact=True)).to_have_count(0)
    expect(page.get_by_text(staff_number, exact=True)).to_be_visible()
    expect(page.get_by_text("Eine neue PIN ersetzt die bisherige sofort.")).to_be_visible()
    page.get_by_role("button", name="Neue PIN ausstellen").click()
    expect(page.get_by_role("status")).to_contain_text("Ihre neue PIN")
    assert re.fullmatch(r"\d{6}", page.locator(".new-pin").inner_text())


def test_a_further_phone_for_the_staff_line_is_added_and_removed(page: Any) -> None:
    log_in(page)
    page.goto("/counsellor")
    page.get_by_label("Weiteres Telefon, z. B. Ihr Mobiltelefon").fill("0151 1234 5678")
    page.get_by_role("button", name="Telefon hinzufügen").click()
    expect(page.get_by_role("status")).to_have_text("Das Telefon ist gespeichert.")
    phones = page.get_by_role("list", name="Telefone, von denen die PIN allein genügt")
    expect(phones).to_contain_text("+4915112345678")
    no_axe_violations(page)
    phones.get_by_role("button", name="Entfernen").click()
    expect(page.get_by_role("status")).to_have_text("Das Telefon ist entfernt.")
    expect(page.get_by_role("list", name="Telefone, von denen die PIN allein genügt")).not_to_contain_text(
        "+4915112345678"
    )
