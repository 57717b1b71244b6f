"""The planner's figures from the real roll-up tables on SQLite and PostgreSQL: local hours across
the change to summer time, incremental roll-ups, a recount when the counting rules change, and
calls whose end is logged after a round."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.pseudonyms import Pseudonymiser
from contacts.service import contact_event_row, record_contact_events
from planning.models import CapacityInterval
from planning.service import ROLLUP_JOB, ROLLUP_LEASE, Planner, PlannerQuery
from storage.job_leases import release_lease, take_lease
from tests.support import TEST_SECRET, ManualClock

PSEUDONYMS = Pseudonymiser(TEST_SECRET)
DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)


def call(sid: str, arrived: dt.datetime, *, wait: int, talk: int | None, caller: str) -> list[dict[str, Any]]:
    """An answered call (talk given) or an abandoned one (talk None), Siegburg's hotline."""
    queued = arrived + dt.timedelta(seconds=5)
    outcome = queued + dt.timedelta(seconds=wait)
    steps: list[tuple[str, dt.datetime, dict[str, Any]]] = [
        ("call_received", arrived, {"caller": caller}),
        ("queued", queued, {}),
        ("answered" if talk is not None else "abandoned", outcome, {"wait_seconds": wait}),
    ]
    if talk is not None:
        steps.append(("call_completed", outcome + dt.timedelta(seconds=talk), {}))
    return [
        contact_event_row(
            pseudonymiser=PSEUDONYMS,
            at=at,
            channel="phone",
            kind=kind,
            region="siegburg",
            reference=sid,
            event_id=f"{sid}:{kind}",
            **extra,
        )
        for kind, at, extra in steps
    ]


async def log(sessions: async_sessionmaker[AsyncSession], rows: list[dict[str, Any]]) -> None:
    async with sessions.begin() as session:
        await record_contact_events(session, rows)


def figure(report: Any, table_id: str, row_key: str, column: int = 1) -> Any:
    table = report.table(table_id)
    return next(row[column].value for row in table.rows if row[0].value == row_key)


async def test_local_hours_hold_across_the_change_to_summer_time(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    # 10:30 in Siegburg on the Thursdays before and after 29 March 2026: 09:30 UTC, then 08:30 UTC.
    winter = dt.datetime(2026, 3, 26, 9, 30, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 4, 2, 8, 30, tzinfo=dt.UTC)
    await log(sessions, call("CA1", winter, wait=10, talk=120, caller="+4917611111111"))
    await log(sessions, call("CA2", summer, wait=30, talk=180, caller="+4917622222222"))
    clock.now = dt.datetime(2026, 4, 3, tzinfo=dt.UTC)
    planner = Planner(sessions, DEPLOYMENT, clock)
    await planner.refresh_rollups()
    report = await planner.report(PlannerQuery(region="siegburg", first="2026-03-23", last="2026-04-05"), "de")
    thursday = 4  # the heat map's columns: the hour, then Monday to Sunday
    assert figure(report, "demand-by-hour", "10:00", thursday) == 1.0  # two Thursdays, one caller each
    assert figure(report, "demand-by-hour", "09:00", thursday) == 0.0
    assert (report.figures.answered, report.figures.asa_s, report.figures.aht_s) == (2, 20, 150)
    assert report.figures.service_level == 0.5


async def test_roll_ups_grow_with_the_log_count_late_ends_and_recount_when_the_rules_change(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    morning = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)  # 09:00 in Siegburg
    clock.now = morning + dt.timedelta(hours=1)
    planner = Planner(sessions, DEPLOYMENT, clock)
    period = PlannerQuery(region="siegburg", first="2026-11-26", last="2026-11-26")
    first_call = call("CA1", morning, wait=25, talk=200, caller="+4917611111111")
    await log(sessions, first_call[:3])  # answered, still talking
    assert await planner.refresh_rollups() > 0
    report = await planner.report(period, "de")
    assert (report.figures.answered, report.figures.aht_s) == (1, 0)
    await log(
        sessions,
        first_call[3:] + call("CA2", morning + dt.timedelta(minutes=7), wait=4, talk=None, caller="+4917622222222"),
    )
    clock.now += dt.timedelta(minutes=5)
    await planner.refresh_rollups()
    report = await planner.report(period, "de")
    assert (report.figures.aht_s, report.figures.abandoned, report.figures.short_abandoned) == (200, 0, 1)
    assert report.figures.service_level == 0.0  # 25 s: past the 20 s target; the short abandon left out
    async with sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(CapacityInterval))
    assert rows == 1  # one quarter hour of one region, counted again, never twice

    laxer = dataclasses.replace(
        DEPLOYMENT.planning, target=dt.timedelta(seconds=30), short_abandon=dt.timedelta(seconds=2)
    )
    recount = Planner(sessions, dataclasses.replace(DEPLOYMENT, planning=laxer), clock)
    clock.now += dt.timedelta(minutes=5)
    await recount.refresh_rollups()
    report = await recount.report(period, "de")
    assert (report.figures.service_level, report.figures.abandoned, report.figures.short_abandoned) == (0.5, 1, 0)
    assert "innerhalb von 30 s" in report.notes["service_level"]


async def test_a_round_another_process_is_doing_is_skipped_and_the_lease_given_back_after(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    arrived = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)
    await log(sessions, call("CA1", arrived, wait=5, talk=60, caller="+4917611111111"))
    clock.now = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    async with sessions.begin() as session:
        assert await take_lease(session, name=ROLLUP_JOB, holder="another-process", now=clock(), ttl=ROLLUP_LEASE)
    planner = Planner(sessions, DEPLOYMENT, clock)
    assert await planner.refresh_rollups() == 0  # the scheduled job does not wait
    async with sessions.begin() as session:
        await release_lease(session, name=ROLLUP_JOB, holder="another-process", now=clock())
    assert await planner.refresh_rollups() > 0
    assert await Planner(sessions, DEPLOYMENT, clock).refresh_rollups() > 0  # given back: a third may go on
