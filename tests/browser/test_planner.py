"""A planner at a browser: the planner page over eight weeks of demo contacts (seeded by the real
command into the served database), a region's heat map and charts drawn from their tables, a
what-if of other hours, a refused paste, the recommended hours as a block to paste; German and
English. Every state passes axe-core."""

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
    return (*ACCOUNTS, Account("pia", "Pia Planer", ("planner",), regions=()))


@pytest.fixture(scope="module", autouse=True)
def demo_contacts(hotline: ServedHotline, served_env: dict[str, str]) -> None:
    seeded = run_hotline(["demo", "seed", "--days", "56", "--calls-per-weekday", "30", "--json"], served_env)
    assert seeded.returncode == 0, seeded.stderr


def drawn(page: Any, figure_id: str) -> bool:
    """Whether Chart.js drew the figure's chart from its table."""
    return bool(page.evaluate(f"!!window.Chart && !!Chart.getChart(document.querySelector('#{figure_id} canvas'))"))


def test_a_planner_sees_demand_service_and_staffing_of_all_regions_and_of_one(page: Any) -> None:
    log_in(page, "pia")
    page.get_by_role("navigation", name="Ihre Bereiche").get_by_role("link", name="Planung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planung: alle Regionen")
    regions = page.get_by_role("table", name="Regionen im Vergleich")
    for region in ("Siegburg", "Troisdorf", "Rheinbach", "Eitorf"):
        expect(regions.get_by_role("rowheader", name=f"Geschäftsstelle {region}")).to_have_count(1)
    expect(page.get_by_text("Was-wäre-wenn und Empfehlung: bitte oben eine Region wählen.")).to_be_visible()
    assert_accessible(page, "planner page, all regions")

    page.get_by_label("Region", exact=True).select_option("siegburg")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planung: Geschäftsstelle Siegburg")
    for figure in ("demand-by-hour", "service-by-hour", "service-level", "waiting", "calls", "staffing"):
        expect(page.locator(f"#{figure} canvas")).to_be_visible()
        assert drawn(page, figure), figure
    key_figures = page.get_by_role("table", name="Kennzahlen des Zeitraums")
    expect(key_figures.get_by_role("row", name=re.compile("^Servicelevel"))).to_contain_text("%")
    expect(page.get_by_text("Anteil angenommen innerhalb von 20 s; Ziel 80 %.").first).to_be_visible()
    csv = page.locator("#key-figures").get_by_role("link", name=re.compile("CSV herunterladen"))
    expect(csv).to_have_attribute("href", re.compile(r"^/planning/export/key-figures\.csv\?region=siegburg"))
    assert_accessible(page, "planner page, one region with charts")


def test_what_if_a_refused_paste_and_the_recommended_hours(page: Any) -> None:
    log_in(page, "pia")
    page.goto(page.url.rstrip("/") + "/planning?region=troisdorf")
    hours = page.get_by_label("Vorgeschlagene Telefonzeiten")
    expect(hours).to_have_value(re.compile(r"\[regions\.hours\.hotline\]"))  # the current hours, to edit
    hours.fill('mon = ["08:00-12:00", "13:00-18:00"]\nthu = ["08:00-12:00", "13:00-18:00"]')
    page.get_by_role("button", name="Durchspielen").click()
    what_if = page.get_by_role("table", name="Was wäre wenn: aktuelle Zeiten und Vorschlag")
    expect(what_if.get_by_role("columnheader")).to_have_text(["Größe", "Aktuelle Zeiten", "Vorschlag"])
    expect(what_if.get_by_role("row", name=re.compile("^Telefonzeit je Woche"))).to_contain_text("18,0")
    assert_accessible(page, "planner page with a what-if")

    page.get_by_label("Vorgeschlagene Telefonzeiten").fill('thu = ["18:00-08:00"]')
    page.get_by_role("button", name="Durchspielen").click()
    expect(page.get_by_role("alert")).to_contain_text("ends before it starts")
    expect(page.get_by_label("Vorgeschlagene Telefonzeiten")).to_have_value('thu = ["18:00-08:00"]')  # kept
    assert_accessible(page, "planner page with refused hours")

    page.get_by_label("Wochenstunden").fill("20")
    page.get_by_label("Kürzester Block (Stunden)").fill("2")
    page.get_by_role("button", name="Empfehlen").click()
    expect(page.get_by_role("table", name="Empfohlene Telefonzeiten")).to_be_visible()
    block = page.locator("pre.config-block")
    expect(block).to_contain_text("[regions.hours.hotline]")
    expect(block).to_contain_text('# region "troisdorf": 20 hours a week')
    assert_accessible(page, "planner page with recommended hours")


def test_the_planner_page_reads_in_english(page: Any) -> None:
    log_in(page, "pia")
    switch_to_english(page)
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/planning?region=eitorf")
    expect(page.get_by_role("heading", level=1)).to_have_text("Planning: Geschäftsstelle Eitorf")
    expect(page.get_by_role("table", name="Key figures of the period")).to_be_visible()
    expect(page.get_by_text("Share answered within 20 s; target 80%.").first).to_be_visible()
    assert drawn(page, "demand-by-hour")
    assert_accessible(page, "planner page in English")
