"""A counsellor works the queue in a browser: the worklist, taking the next concern, closing it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tests.processes import ServedHotline

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


def test_counsellor_merges_a_contact_form_request_into_the_concern_of_its_number(
    browser: Any, hotline: ServedHotline, page: Any
) -> None:
    log_in(page, "dora")  # the desk records a concern for a customer's number
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    created = page.request.post(
        "/api/concerns",
        data={
            "region": "siegburg",
            "phone": "+49 151 44455566",
            "topic": "application",
            "note": "Weiterbewilligung",
            "request_id": "browser-worklist-2",
        },
        headers={"X-CSRF-Token": token},
    )
    assert created.status == 201, created.text()
    reference = created.json()["reference"]
    log_out(page)

    visitor = browser.new_context(base_url=hotline.base_url, locale="de-DE")  # anonymous, on a browser of its own
    form = visitor.new_page()
    form.goto("/kontakt/siegburg")
    form.get_by_label("Worum geht es?").select_option(label="Unterlagen und Nachweise")
    form.get_by_label("Ihre Telefonnummer").fill("0151 44455566")
    form.get_by_label("Ihre Nachricht").fill("Ich reiche die Kontoauszüge nach.")
    form.get_by_label("Ich habe den Datenschutzhinweis gelesen und bin mit dem Rückruf einverstanden.").check()
    form.get_by_role("button", name="Rückruf anfordern").click()
    own = form.locator(".reference")
    expect(own).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    submitted = own.inner_text()
    assert submitted != reference
    visitor.close()

    log_in(page, "anna")
    page.goto("/worklist")
    row = page.get_by_role("row").filter(has_text=submitted)
    expect(row).to_contain_text("unverifiziert, aus dem Kontaktformular")
    expect(row.get_by_role("link", name=reference)).to_be_visible()
    row.get_by_role("link", name=submitted).click()
    expect(page.get_by_role("heading", level=2, name="Unverifizierte Anfrage")).to_be_visible()
    page.get_by_role("button", name=f"In {reference} übernehmen und dieses abschließen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anliegen {reference}")
    expect(page.get_by_role("status")).to_contain_text("übernommen und abgeschlossen")
    expect(page.get_by_text("Ich reiche die Kontoauszüge nach.")).to_be_visible()
