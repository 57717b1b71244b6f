"""An auditor at a browser: the call-log search over two weeks of demo contacts (seeded by the real
command into the served database), filtered and paged, one contact's timeline from the call to the
settled concern, a refused filter, the promise report; German and English. Every state passes axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ACCOUNTS, Account, assert_accessible, log_in, switch_to_english
from tests.processes import ServedHotline, run_hotline

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def accounts() -> tuple[Account, ...]:
    return (*ACCOUNTS, Account("ines", "Ines Prüferin", ("auditor",), regions=()))


@pytest.fixture(scope="module", autouse=True)
def demo_contacts(hotline: ServedHotline, served_env: dict[str, str]) -> None:
    seeded = run_hotline(["demo", "seed", "--days", "14", "--calls-per-weekday", "20", "--json"], served_env)
    assert seeded.returncode == 0, seeded.stderr


def test_an_auditor_searches_the_call_log_pages_on_and_opens_a_contacts_timeline(page: Any) -> None:
    log_in(page, "ines")
    page.get_by_role("navigation", name="Ihre Bereiche").get_by_role("link", name="Prüfung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prüfung: Kontaktprotokoll")
    events = page.get_by_role("table", name="Ereignisse, Neueste zuerst")
    expect(events.get_by_role("row")).to_have_count(51)  # the header and a page of 50
    assert_accessible(page, "call-log search, last seven days")

    page.get_by_label("Region").select_option("siegburg")
    page.get_by_label("Ergebnis").select_option("voicemail")
    page.get_by_label("Sortierung").select_option("oldest")
    page.get_by_role("button", name="Suchen").click()
    events = page.get_by_role("table", name="Ereignisse, Älteste zuerst")
    expect(events.get_by_role("row").nth(1)).to_contain_text("Geschäftsstelle Siegburg")
    expect(page.get_by_label("Ergebnis")).to_have_value("voicemail")  # the form keeps the search
    expect(page.get_by_role("link", name="Ganze Suche als CSV herunterladen")).to_have_attribute(
        "href", re.compile(r"^/audit/export\.csv\?.*outcome=voicemail")
    )
    assert_accessible(page, "call-log search, filtered")
    if page.get_by_role("link", name="Nächste Seite").count():
        page.get_by_role("link", name="Nächste Seite").click()
        expect(page.get_by_role("link", name="Erste Seite")).to_be_visible()
        assert_accessible(page, "call-log search, a later page")
        page.go_back()

    page.get_by_role("table").get_by_role("link", name=re.compile("^concern:")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verlauf eines Kontakts")
    story = page.get_by_role("table", name="Alle Ereignisse in zeitlicher Folge")
    expect(story.get_by_role("row").nth(1)).to_contain_text("Anruf eingegangen")  # the call it came from
    expect(story).to_contain_text("Sprachnachricht hinterlassen")
    expect(story.get_by_role("row").last).to_contain_text("Anliegen erledigt")
    assert_accessible(page, "timeline of a voicemail, from its call on")

    switch_to_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline of one contact")
    expect(page.get_by_role("table", name="All events in order")).to_contain_text("Voicemail left")
    assert_accessible(page, "timeline in English")


def test_a_refused_filter_and_the_promise_report(page: Any) -> None:
    log_in(page, "ines")
    page.goto("/audit?from=2026-03-31&to=2026-03-01")
    expect(page.get_by_role("alert")).to_contain_text("Bis: der Zeitraum endet vor seinem Beginn.")
    expect(page.get_by_label("Bis")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "call-log search with a refused period")

    page.get_by_role("navigation", name="Prüfung").get_by_role("link", name="Fristenbericht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prüfung: Fristenbericht")
    expect(page.get_by_role("table", name="Nach Region")).to_be_visible()
    assert_accessible(page, "promise report")
