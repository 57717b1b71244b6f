"""A counsellor at a browser makes themselves available for a region and sets a staff-line PIN."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


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
    page.get_by_role("link", name="Postausgang des Simulators").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Postausgang des Simulators")


def test_a_bad_phone_number_is_explained_next_to_the_form(page: Any) -> None:
    log_in(page)
    page.goto("/counsellor")
    page.get_by_label("Telefonnummer, unter der Sie Anrufe annehmen").fill("12")
    page.get_by_role("button", name="Verfügbar melden").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte eine gültige Telefonnummer angeben")


def test_pin_for_the_staff_line(page: Any) -> None:
    log_in(page)
    page.goto("/counsellor")
    page.get_by_label("Neue PIN (4 bis 8 Ziffern)").fill("2468")
    page.get_by_label("PIN wiederholen").fill("2468")
    page.get_by_role("button", name="PIN speichern").click()
    expect(page.get_by_role("status")).to_have_text("Ihre PIN für die Staff-Line ist gespeichert.")
