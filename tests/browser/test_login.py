"""A person at a browser logs in, sees the start page, switches language and logs out."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, assert_accessible

pytestmark = pytest.mark.browser


def test_log_in_see_the_start_page_and_log_out(page: Any) -> None:
    page.goto("/")
    assert "/login" in page.url
    assert_accessible(page, "login")
    page.get_by_label("Benutzername").fill("anna")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Startseite")
    expect(page.get_by_text("Angemeldet als")).to_contain_text("Anna Schmidt")
    expect(page.get_by_role("heading", name="Geschäftsstelle Siegburg")).to_be_visible()
    expect(page.get_by_role("link", name="02241 9000100")).to_have_attribute("href", "tel:+49-2241-9000100")
    expect(page.get_by_role("table", name="Wöchentliche Zeiten – Geschäftsstelle Siegburg")).to_contain_text("29,0")
    expect(page.get_by_role("link", name="Beratung und Rückrufe")).to_be_visible()
    expect(page.get_by_role("link", name="Planung")).to_have_count(0)
    assert_accessible(page, "start page of a counsellor")

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("status")).to_have_text("Sie wurden abgemeldet.")
    assert_accessible(page, "login, logged out")
    page.goto("/")
    assert "/login" in page.url


def test_wrong_password_shows_an_error_next_to_the_form(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Benutzername").fill("anna")
    page.get_by_label("Passwort").fill("not the password")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_have_text("Benutzername oder Passwort ist falsch.")
    expect(page.get_by_label("Benutzername")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Benutzername")).to_have_value("anna")
    assert_accessible(page, "login, wrong password")


def test_an_empty_login_form_asks_for_both_fields(page: Any) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_have_text("Bitte Benutzername und Passwort eingeben.")
    expect(page.get_by_label("Passwort")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "login, nothing entered")


def test_a_page_behind_an_expired_session_leads_to_the_login_with_a_notice(page: Any) -> None:
    # Where the service sends a browser whose session ran out (the expiry itself is tested in e2e).
    page.goto("/login?next=%2Fworklist&expired=1")
    expect(page.get_by_role("status")).to_have_text("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.")
    assert_accessible(page, "login, session expired")
    page.get_by_label("Benutzername").fill("anna")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rückrufliste")


def test_english_is_one_click_away_and_stays_chosen(page: Any) -> None:
    page.goto("/login")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, "login in English")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start page")
    expect(page.get_by_role("heading", name="Regions and hotline hours")).to_be_visible()
    assert_accessible(page, "start page in English")


def test_pages_have_landmarks_labels_and_a_skip_link(page: Any) -> None:
    page.goto("/login")
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_focused()
    assert_accessible(page, "login with the skip link shown")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).length"""
    )
    assert unlabelled == 0
