"""Pages that refuse or fail read as well as the others: not found, no access, a method not allowed,
an expired form, a database locked by another process, too many logins, too many contact requests."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from config.settings import load_settings
from tests.browser.conftest import assert_accessible, log_in, switch_to_english
from tests.e2e.test_database_faults import locked_by_another_process

pytestmark = pytest.mark.browser

CONSENT = "Ich habe den Datenschutzhinweis gelesen und bin mit dem Rückruf einverstanden."


def test_a_page_that_does_not_exist_says_so_with_a_way_home(page: Any) -> None:
    answer = page.goto("/gibt-es-nicht")
    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    expect(page.get_by_role("link", name="Zur Startseite")).to_be_visible()
    expect(page.get_by_text("Fehlerkennung (für die IT-Betreuung)")).to_be_visible()
    expect(page.get_by_text("Vorgangsnummer")).to_have_count(0)
    assert_accessible(page, "404")
    switch_to_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Error code (for IT support)")).to_be_visible()
    assert_accessible(page, "404 in English")


def test_a_concern_that_does_not_exist_is_not_found_for_a_logged_in_counsellor(page: Any) -> None:
    log_in(page, "anna")
    answer = page.goto("/concerns/ZZZZ-ZZZZ")
    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    expect(page.get_by_text("Angemeldet als")).to_contain_text("Anna Schmidt")
    assert_accessible(page, "404 when logged in")


def test_a_page_of_another_role_is_refused(page: Any) -> None:
    log_in(page, "anna")
    answer = page.goto("/admin/users")
    assert answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Kein Zugriff")
    assert_accessible(page, "403")
    switch_to_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("No access")
    assert_accessible(page, "403 in English")


def test_logging_out_through_an_address_is_not_allowed(page: Any) -> None:
    answer = page.goto("/logout")  # a bookmarked log-out link: logging out takes the button (POST)
    assert answer.status == 405
    expect(page.get_by_role("heading", level=1)).to_have_text("Nicht erlaubt")
    assert_accessible(page, "405")


def test_a_form_sent_after_the_browser_lost_its_cookies_is_explained(page: Any) -> None:
    page.goto("/kontakt/siegburg")
    page.context.clear_cookies()  # the token in the form no longer matches the browser
    page.get_by_role("button", name="Rückruf anfordern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Formular abgelaufen")
    expect(page.get_by_text("Bitte laden Sie die Seite neu")).to_be_visible()
    assert_accessible(page, "403, form expired")


def test_a_database_locked_by_another_process_gives_a_page_saying_to_try_again(
    page: Any, served_env: dict[str, str], provoked_statuses: set[int]
) -> None:
    log_in(page, "anna")
    provoked_statuses.add(503)
    with locked_by_another_process(load_settings(served_env).database_url):
        # Reading goes on (SQLite's readers have connections of their own); taking a concern writes.
        assert page.goto("/worklist").status == 200
        with page.expect_response(lambda response: response.url.endswith("/worklist/next")) as taking:
            page.get_by_role("button", name="Nächstes Anliegen übernehmen").click()
        answer = taking.value
        assert answer.status == 503
        assert answer.headers["retry-after"] == "60"
        expect(page.get_by_role("heading", level=1)).to_have_text("Vorübergehend nicht verfügbar")
        assert_accessible(page, "503")
    page.goto("/worklist")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rückrufliste")


def test_too_many_wrong_passwords_make_the_login_wait(page: Any) -> None:
    page.goto("/login")
    alert = page.get_by_role("alert")
    for _ in range(8):  # five mistakes are free; a few more and the login asks to wait
        page.get_by_label("Benutzername").fill("dora")
        page.get_by_label("Passwort").fill("not the password")
        page.get_by_role("button", name="Anmelden").click()
        expect(alert).to_be_visible()
        if "Zu viele" in alert.inner_text():
            break
    expect(alert).to_have_text(re.compile(r"^Zu viele fehlgeschlagene Anmeldungen\. Bitte in \d+ Sekunden erneut"))
    assert_accessible(page, "login, too many wrong passwords")


def test_too_many_contact_requests_from_one_address_say_when_to_try_again(page: Any) -> None:
    alert = page.get_by_role("alert")
    for attempt in range(7):  # five an hour are accepted, the next is refused
        page.goto("/kontakt/siegburg")
        page.get_by_label("Worum geht es?").select_option(label="Sonstiges")
        page.get_by_label("Ihre Telefonnummer").fill(f"0171 555000{attempt}")
        page.get_by_label("Ihre Nachricht").fill("Bitte um Rückruf.")
        page.get_by_label(CONSENT).check()
        page.get_by_role("button", name="Rückruf anfordern").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if alert.count():
            break
    expect(alert).to_contain_text("Zu viele Anfragen")
    expect(alert).to_contain_text("Bitte versuchen Sie es ab")
    expect(page.get_by_label("Ihre Telefonnummer")).to_have_value(re.compile("^0171 555000"))
    assert_accessible(page, "contact form, too many requests")
