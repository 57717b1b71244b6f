"""An administrator who also plans and audits: the start page with every area, the user list, the
status board of all regions and the auditor's area; each in German and English."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ACCOUNTS, Account, assert_accessible, log_in, switch_to_english

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def accounts() -> tuple[Account, ...]:
    return (*ACCOUNTS, Account("alex", "Alex Becker", ("admin", "planner", "auditor"), regions=()))


def test_the_administrator_sees_every_account_with_its_roles_and_regions(page: Any) -> None:
    log_in(page, "alex")
    areas = page.get_by_role("navigation", name="Ihre Bereiche")
    expect(areas.get_by_role("link")).to_have_text(["Statusübersicht", "Planung", "Prüfung", "Benutzerverwaltung"])
    assert_accessible(page, "start page of an administrator, planner and auditor")
    areas.get_by_role("link", name="Benutzerverwaltung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benutzerverwaltung")
    accounts = page.get_by_role("table", name="Mitarbeiterkonten (3)")
    expect(accounts.get_by_role("row").filter(has_text="anna")).to_contain_text("Beratung")
    expect(accounts.get_by_role("row").filter(has_text="alex")).to_contain_text("alle")
    assert_accessible(page, "admin users")


def test_a_planner_sees_the_status_board_of_every_region(page: Any) -> None:
    log_in(page, "alex")
    page.get_by_role("link", name="Statusübersicht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statusübersicht")
    board = page.get_by_role("table", name="Anliegen je Region")
    for region in ("Siegburg", "Troisdorf", "Rheinbach", "Eitorf"):
        expect(board.get_by_role("rowheader", name=f"Geschäftsstelle {region}")).to_have_count(1)
    assert_accessible(page, "status board of every region")


def test_the_auditors_area_opens_the_call_log(page: Any) -> None:
    log_in(page, "alex")
    page.get_by_role("link", name="Prüfung").click()
    expect(page).to_have_url(re.compile("/audit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Prüfung: Kontaktprotokoll")
    assert_accessible(page, "the auditor's call log")


def test_the_administration_reads_in_english(page: Any) -> None:
    log_in(page, "alex")
    switch_to_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Start page")
    assert_accessible(page, "start page of an administrator in English")
    page.get_by_role("link", name="User administration").click()
    expect(page.get_by_role("table", name="Staff accounts (3)")).to_be_visible()
    assert_accessible(page, "admin users in English")
    page.goto("/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit: contact log")
    assert_accessible(page, "the auditor's call log in English")
