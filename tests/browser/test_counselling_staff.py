"""A counsellor at a browser publishes a counselling slot on /beratung (refused outside the hours
without a reason, then with one), sees it booked in the week's list with the number masked, and
records how the session went (too early for "held", then "cancelled"). Every state passes axe-core."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from yarl import URL

from tests.browser.conftest import assert_accessible, browser_tab, log_in, switch_to_english
from tests.processes import ServedHotline, run_hotline

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")
MOBILE = "+4915112345678"


def tomorrow() -> str:
    """Tomorrow where the deployment is; 20:00 lies outside Siegburg's counselling hours every day."""
    return (dt.datetime.now(BERLIN) + dt.timedelta(days=1)).date().isoformat()


def test_a_counsellor_publishes_a_slot_sees_it_booked_and_records_the_outcome(
    page: Any, browser: Any, hotline: ServedHotline, served_env: dict[str, str]
) -> None:
    log_in(page, "anna")
    page.get_by_role("link", name="Beratungstermine").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beratungstermine")
    expect(page.get_by_text("Sie haben in den nächsten sieben Tagen keine Termine.")).to_be_visible()
    expect(page.get_by_text("Montag von 16 bis 19 Uhr; Samstag von 9 bis 12 Uhr")).to_be_visible()
    assert_accessible(page, "counselling page, no slots")

    page.get_by_label("Datum").fill(tomorrow())
    page.get_by_label("Beginn (Ortszeit)").fill("20:00")
    page.get_by_label("Telefon", exact=True).check()
    page.get_by_role("button", name="Termin veröffentlichen").click()
    expect(page.get_by_role("alert")).to_contain_text("außerhalb der Beratungszeiten der Region")
    expect(page.get_by_label("Beginn (Ortszeit)")).to_have_value("20:00")  # the input is kept
    assert_accessible(page, "counselling page with a refusal")

    page.get_by_label("Grund (außerhalb der Beratungszeiten nötig)").fill("Schichtarbeit")
    page.get_by_role("button", name="Termin veröffentlichen").click()
    expect(page.get_by_role("status")).to_have_text("Der Termin ist veröffentlicht.")
    row = page.locator("table.agenda tbody tr").first
    expect(row).to_contain_text("20:00–20:30")
    expect(row).to_contain_text("frei")
    expect(row.get_by_role("button", name="Zurückziehen")).to_be_visible()
    assert_accessible(page, "counselling page with a free slot")

    # The customer books it with the link the command line sent (the served app's own pages).
    sent = run_hotline(["counselling", "link", "--region", "siegburg", "--to", MOBILE, "--json"], served_env)
    assert sent.returncode == 0, sent.stderr
    with browser_tab(browser, hotline.base_url) as customer:
        customer.goto(URL(json.loads(sent.stdout)["url"]).path)
        customer.locator("input[id^='choice-'][id$='-phone']").first.check()
        customer.get_by_role("button", name="Termin buchen").click()
        expect(customer.get_by_role("status")).to_contain_text("Ihr Termin ist gebucht.")

    page.reload()
    row = page.locator("table.agenda tbody tr").first
    expect(row).to_contain_text("gebucht")
    expect(row).to_contain_text("••••• ••••678")
    expect(page.get_by_text(re.compile("12345678"))).to_have_count(0)
    assert_accessible(page, "counselling page with a booked session")

    page.get_by_label("Ergebnis").select_option(label="stattgefunden")
    page.get_by_role("button", name="Eintragen").click()
    expect(page.get_by_role("alert")).to_contain_text("erst ab Beginn des Termins")
    assert_accessible(page, "counselling page, outcome too early")

    page.get_by_label("Ergebnis").select_option(label="abgesagt")
    page.get_by_label("Notiz (freiwillig)").fill("Kundin hat angerufen")
    page.get_by_role("button", name="Eintragen").click()
    expect(page.get_by_role("status")).to_have_text("Das Ergebnis ist eingetragen.")
    expect(page.locator("table.agenda tbody tr").first).to_contain_text("frei")  # the slot is offered again
    assert_accessible(page, "counselling page after an outcome")

    switch_to_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Counselling sessions")
    expect(page.get_by_text("Monday from 4 pm to 7 pm; Saturday from 9 am to 12 noon")).to_be_visible()
    expect(page.locator("table.agenda tbody tr").first).to_contain_text("free")
    assert_accessible(page, "counselling page in English")
