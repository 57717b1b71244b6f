"""A counsellor works the queue in a browser: the worklist, taking the next concern, closing it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Startseite")


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Abmelden").click()


def test_counsellor_takes_the_next_concern_and_closes_it(page: Any) -> None:
    log_in(page, "dora")  # the front desk records a concern through the JSON API
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    created = page.request.post(
        "/api/concerns",
        data={
            "region": "siegburg",
            "phone": "0151 11122233",
            "topic": "payment",
            "note": "Geld fehlt",
            "request_id": "browser-worklist-1",
        },
        headers={"X-CSRF-Token": token},
    )
    assert created.status == 201, created.text()
    reference = created.json()["reference"]
    log_out(page)

    log_in(page, "anna")
    page.goto("/worklist")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rückrufliste")
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("dringend")
    expect(row).to_contain_text("Zahlung ausgeblieben")
    page.get_by_role("button", name="Nächstes Anliegen übernehmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anliegen {reference}")
    expect(page.get_by_text("Geld fehlt")).to_be_visible()
    expect(page.get_by_role("button", name="Jetzt anrufen")).to_be_visible()
    page.get_by_label("Ergebnis").select_option("settled")
    page.get_by_role("button", name="Abschließen").click()
    expect(page.get_by_role("status")).to_have_text("Das Anliegen ist abgeschlossen.")
    expect(page.get_by_role("list").last).to_contain_text(re.compile("abgeschlossen: erledigt"))
    page.goto("/board")
    expect(page.get_by_role("row").filter(has_text="Geschäftsstelle Siegburg")).to_contain_text("(100.0 %)")
