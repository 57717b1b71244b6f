"""A counsellor at a browser sets her phone once on her profile and calls a customer back from
the concern page; every state of the pages passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


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
