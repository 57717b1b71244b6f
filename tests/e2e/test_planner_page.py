"""The planner page /planning: calls made through the real webhooks become figures (after the
roll-up job), shown with how they are counted, exported as CSV and XLSX, replayed under other
hours and turned into recommended hours; only planners and admins see it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from service import keys
from service.app import Overrides, create_app
from tests.e2e.conftest import Client, log_in
from tests.support import ManualClock, make_settings
from tests.twilio_requests import FakeTwilio, new_sid

# Thursday 26 November 2026 in Siegburg (hotline 08-12 and 13-18); 10:30 local.
THURSDAY_OPEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
THURSDAY_EVENING = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)  # 19:00 local: closed
PERIOD = "region=siegburg&from=2026-11-26&to=2026-11-26"


@pytest.fixture
async def planner_app(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    staff: None,
) -> AsyncIterator[tuple[Client, FakeTwilio]]:
    settings = make_settings(tmp_path, database_url)
    client = await aiohttp_client(create_app(settings, overrides=Overrides(clock=clock, engine=engine, run_jobs=False)))
    yield client, FakeTwilio(client, settings)
    await client.close()


async def answered(twilio: FakeTwilio, clock: ManualClock, *, wait: int, talk: int) -> None:
    twilio.call_sid = new_sid("CA")
    await twilio.post("/twilio/voice/route?lang=de")
    clock.advance(seconds=wait)
    await twilio.post("/twilio/queue/answered?lang=de", QueueTime=str(wait), DequeuingCallSid=new_sid("CA"))
    clock.advance(seconds=talk)
    await twilio.post("/twilio/queue/done?lang=de", QueueResult="bridged", QueueTime=str(wait))
    await twilio.post("/twilio/status", CallStatus="completed", CallDuration=str(wait + talk))


async def abandoned(twilio: FakeTwilio, clock: ManualClock, *, wait: int) -> None:
    twilio.call_sid = new_sid("CA")
    await twilio.post("/twilio/voice/route?lang=de")
    clock.advance(seconds=wait)
    await twilio.post("/twilio/queue/done?lang=de", QueueResult="hangup", QueueTime=str(wait))
    await twilio.post("/twilio/status", CallStatus="completed", CallDuration=str(wait))


async def closed_line(twilio: FakeTwilio) -> None:
    twilio.call_sid = new_sid("CA")
    await twilio.post("/twilio/voice/route?lang=de")
    await twilio.post("/twilio/closed/choice?lang=de&attempt=1", Digits="")
    await twilio.post("/twilio/status", CallStatus="completed", CallDuration="40")


async def a_day_of_calls(client: Client, twilio: FakeTwilio, clock: ManualClock) -> None:
    clock.now = THURSDAY_OPEN
    twilio.caller = "+4917611111111"
    await answered(twilio, clock, wait=10, talk=300)
    twilio.caller = "+4917622222222"
    await answered(twilio, clock, wait=40, talk=200)  # past the 20 s target
    twilio.caller = "+4917633333333"
    await abandoned(twilio, clock, wait=90)
    twilio.caller = "+4917644444444"
    await abandoned(twilio, clock, wait=3)  # a short abandon: left out of the service level
    clock.now = THURSDAY_EVENING
    twilio.caller = "+4917655555555"
    await closed_line(twilio)
    clock.advance(minutes=10)
    await closed_line(twilio)  # the same caller redials: two calls, one caller
    clock.now = THURSDAY_EVENING + dt.timedelta(days=1)
    assert await client.app[keys.PLANNER].refresh_rollups() > 0


async def test_calls_through_the_webhooks_become_the_planners_figures_with_how_they_are_counted(
    planner_app: tuple[Client, FakeTwilio], clock: ManualClock
) -> None:
    client, twilio = planner_app
    await a_day_of_calls(client, twilio, clock)
    assert await log_in(client, "paul") == 303
    response = await client.get(f"/planning?{PERIOD}")
    assert response.status == 200
    page = await response.text()
    figures = dict(rows_of(page, "key-figures"))
    assert figures["calls"] == "6" and figures["callers"] == "5"  # the redial is one caller
    assert (figures["closed_calls"], figures["closed_callers"]) == ("2", "1")
    assert (figures["offered"], figures["answered"], figures["abandoned"], figures["short_abandoned"]) == (
        "4",
        "2",
        "1",
        "1",
    )
    # one of three answered or (long) abandoned calls within 20 s
    assert figures["service_level"] == "33.3" and figures["asa_s"] == "25" and figures["aht_s"] == "250"
    assert "Anteil angenommen innerhalb von 20 s; Ziel 80\xa0%. Abgebrochene Anrufe zählen im Nenner mit." in page
    assert "ohne Kurzabbrecher (unter 5 s)" in page
    assert "Erlang C (ohne Abbrüche)" in page  # too few abandons to estimate patience
    heat = dict(rows_of(page, "demand-by-hour", column=4))  # Thursday
    assert (float(heat["10:00"]), float(heat["19:00"]), float(heat["11:00"])) == (4, 1, 0)
    service = dict(rows_of(page, "service-by-hour", column=4))
    assert (service["10:00"], service["12:00"]) == ("33.3", "")  # at noon nobody was queued
    needed = dict(rows_of(page, "staffing", column=1))
    assert needed["3:10:30"] != "0" and needed["3:08:00"] == "0"  # staffing where the calls came in


async def test_every_table_exports_as_csv_and_xlsx_with_the_page_filters(
    planner_app: tuple[Client, FakeTwilio], clock: ManualClock
) -> None:
    client, twilio = planner_app
    await a_day_of_calls(client, twilio, clock)
    assert await log_in(client, "paul") == 303
    response = await client.get(f"/planning/export/key-figures.csv?{PERIOD}")
    assert response.status == 200
    assert 'filename="key-figures-siegburg-2026-11-26-2026-11-26.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows[0][:2] == ["figure", "value"]
    assert rows[[r[0] for r in rows].index("calls")][:2] == ["calls", "6"]
    workbook = await client.get(f"/planning/export/demand-by-hour.xlsx?{PERIOD}")
    assert workbook.status == 200
    with zipfile.ZipFile(io.BytesIO(await workbook.read())) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
    assert (await client.get(f"/planning/export/no-such-table.csv?{PERIOD}")).status == 404


async def test_what_if_and_recommendation_from_the_same_demand(
    planner_app: tuple[Client, FakeTwilio], clock: ManualClock
) -> None:
    client, twilio = planner_app
    await a_day_of_calls(client, twilio, clock)
    assert await log_in(client, "paul") == 303
    evening = 'thu = ["08:00-12:00", "13:00-20:00"]'
    response = await client.get(f"/planning?{PERIOD}", params={"hours": evening, "what_if": "1"})
    page = await response.text()
    assert response.status == 200
    what_if = {label: values for label, *values in table_rows(page, "what-if")}
    # Thursday's closed-line caller at 19:00 would have reached the proposed evening hours.
    assert what_if["closed_demand"][0] != what_if["closed_demand"][1]
    assert [float(v) for v in what_if["open_hours"]] == [29, 11]  # Siegburg's week; only Thursday proposed
    bad = await client.get(f"/planning?{PERIOD}", params={"hours": 'thu = ["12:00-08:00"]', "what_if": "1"})
    assert bad.status == 200 and "ends before it starts" in await bad.text()
    best = await client.get(
        f"/planning?{PERIOD}",
        params={"budget": "4", "min_block": "1", "earliest": "08:00", "latest": "20:00", "recommend": "1"},
    )
    page = await best.text()
    assert "[regions.hours.hotline]" in page and "thu = [" in page
    refused = await client.get(f"/planning?{PERIOD}", params={"budget": "viel", "recommend": "1"})
    assert "Wochenstunden: bitte eine Zahl" in await refused.text()


async def test_only_planners_and_admins_see_it_and_bad_periods_are_named(
    planner_app: tuple[Client, FakeTwilio], clock: ManualClock
) -> None:
    client, _twilio = planner_app
    clock.now = THURSDAY_OPEN
    assert await log_in(client, "anna") == 303  # a counsellor
    assert (await client.get("/planning")).status == 403
    assert (await client.get("/planning/export/key-figures.csv")).status == 403
    assert await log_in(client, "root") == 303  # an admin
    assert (await client.get("/planning")).status == 200
    wrong = await client.get("/planning?from=2026-12-01&to=2026-11-01")
    assert wrong.status == 400 and "Der Zeitraum endet vor seinem Beginn." in await wrong.text()
    unknown = await client.get("/planning?region=atlantis")
    assert unknown.status == 400 and "atlantis" in await unknown.text()
    assert await log_in(client, "paul") == 303  # a planner: the status board links the planner page
    board = await client.get("/board")
    assert 'href="/planning"' in await board.text()


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The raw values (data-value) of a figure's table rows."""
    import re

    figure = page.split(f'id="{table_id}"', 1)[1].split("</figure>", 1)[0]
    body = figure.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r'data-value="([^"]*)"', row) for row in body.split("</tr>") if "data-value" in row]


def rows_of(page: str, table_id: str, column: int = 1) -> list[tuple[str, str]]:
    return [(row[0], row[column]) for row in table_rows(page, table_id)]
