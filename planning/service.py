"""The planner's use cases: the figures of a period, what other hours would have done, the
best hours for a budget, and keeping the roll-ups they read up to date."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.deployment import MINUTES_PER_DAY, Deployment, PlanningSettings, Region, WeeklyHours
from config.issues import ConfigError
from planning.counting import CountingRules
from planning.demand import WeeklyDemand
from planning.erlang import required_agents
from planning.metrics import Figures, figures
from planning.models import COUNT_COLUMNS, CapacityInterval, RollupState
from planning.notes import counting_notes
from planning.period import Period, PeriodError, period_of
from planning.planner_tables import recommendation_table, staffing_tables, what_if_table
from planning.profiles import regroup
from planning.recommend import hours_block, parse_hours_block, recommend_hours
from planning.report_tables import demand_heatmap, key_figures, over_time, regions_table, service_heatmap
from planning.rollups import read_intervals, refresh
from planning.staffing import staffing_by_interval
from planning.tables import FigureTable
from planning.what_if import compare
from storage.clock import Clock
from storage.job_leases import release_lease, take_lease

WEEKLY_SERIES_AFTER_DAYS = 92  # longer periods are shown by week, not by day
ROLLUP_JOB = "capacity-rollups"
ROLLUP_LEASE = dt.timedelta(minutes=30)  # given back at the end; runs out only if its process died
LEASE_RETRY_SECONDS = 0.25
COMMAND_WAIT_SECONDS = 300.0  # a command waits this long for a round the running service is doing


class PlannerInputError(ValueError):
    """A form value the planner cannot use; the message is German, for the page."""


@dataclass(frozen=True, slots=True)
class RecommendForm:
    budget_hours: float
    min_block_minutes: int
    earliest_minute: int
    latest_minute: int


@dataclass(frozen=True, slots=True)
class PlannerQuery:
    region: str | None = None  # None: all regions
    first: str | None = None  # ISO dates as typed
    last: str | None = None
    proposed_hours: str | None = None  # a pasted hours block for the what-if
    recommend: RecommendForm | None = None


@dataclass(frozen=True, slots=True)
class PlannerReport:
    region: Region | None
    period: Period
    figures: Figures
    notes: Mapping[str, str]
    tables: Sequence[FigureTable]  # the page's figures in order, each exportable
    current_hours: str  # the region's hours as a deployment-file block, to edit for the what-if
    what_if: FigureTable | None = None
    what_if_problems: Sequence[str] = ()
    recommendation: FigureTable | None = None
    recommended_block: str | None = None
    recommend_problem: str | None = None
    rolled_at: dt.datetime | None = None  # the roll-ups' last round: figures are as of then

    def table(self, table_id: str) -> FigureTable | None:
        everything = [*self.tables, self.what_if, self.recommendation]
        return next((t for t in everything if t is not None and t.id == table_id), None)


class Planner:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], deployment: Deployment, clock: Clock) -> None:
        self.sessions = sessions
        self.deployment = deployment
        self.clock = clock
        self.holder = f"planner-{uuid.uuid4().hex[:12]}"

    @property
    def settings(self) -> PlanningSettings:
        return self.deployment.planning

    @property
    def rules(self) -> CountingRules:
        s = self.settings
        return CountingRules(target=s.target, short_abandon=s.short_abandon, repeat_window=s.repeat_window)

    async def refresh_rollups(self, *, wait_seconds: float = 0.0) -> int:
        """Roll up what was logged since the last round, once across processes: the scheduled job
        skips a round another process is doing; a command waits up to `wait_seconds` for it."""
        give_up = time.monotonic() + wait_seconds
        while not await self._take_lease():
            if time.monotonic() >= give_up:
                return 0
            await asyncio.sleep(LEASE_RETRY_SECONDS)
        try:
            return await refresh(self.sessions, rules=self.rules, now=self.clock())
        finally:
            async with self.sessions.begin() as session:
                await release_lease(session, name=ROLLUP_JOB, holder=self.holder, now=self.clock())

    async def _take_lease(self) -> bool:
        async with self.sessions.begin() as session:
            return await take_lease(session, name=ROLLUP_JOB, holder=self.holder, now=self.clock(), ttl=ROLLUP_LEASE)

    async def report(self, query: PlannerQuery, language: str) -> PlannerReport:
        deployment, settings = self.deployment, self.settings
        region = self._region(query.region)
        try:
            period = period_of(
                query.first, query.last, today=self.clock().astimezone(deployment.zone).date(), zone=deployment.zone
            )
        except PeriodError as exc:
            raise PlannerInputError(str(exc)) from None
        regions = [region] if region is not None else list(deployment.regions)
        async with self.sessions() as session:
            rows = await read_intervals(
                session, since=period.since, until=period.until, regions=None if region is None else [region.id]
            )
            per_region = await _region_totals(session, period) if region is None else {}
            state = await session.get(RollupState, 1)
        slot_minutes = int(settings.interval.total_seconds() // 60)
        weekly = period.days > WEEKLY_SERIES_AFTER_DAYS
        grouped = regroup(rows, deployment.zone, slot_minutes=slot_minutes, weekly=weekly)
        totals = figures(grouped.total, settings)
        notes = counting_notes(settings, totals, language)
        weekdays = period.weekday_counts()
        by_hour, by_slot = grouped.by_hour, grouped.by_slot
        series = {day: figures(c, settings) for day, c in grouped.series.items()}
        staffing = staffing_by_interval(
            by_slot,
            weekdays,
            open_slots=_open_slots([r.hours["hotline"] for r in regions], slot_minutes),
            aht_s=totals.aht_s,
            patience_s=totals.patience_s,
            settings=settings,
        )
        tables: list[FigureTable] = [key_figures(totals, language, notes)]
        if region is None:
            tables.append(
                regions_table(
                    {
                        r.id: (r.name, figures(per_region.get(r.id, dict.fromkeys(COUNT_COLUMNS, 0)), settings))
                        for r in regions
                    },
                    language,
                )
            )
        open_hours = _open_slots([r.hours["hotline"] for r in regions], 60)
        tables.append(demand_heatmap(by_hour, weekdays, open_hours, language))
        hourly = {key: figures(c, settings) for key, c in by_hour.items()}
        tables.append(service_heatmap(hourly, open_hours, language))
        tables.extend(over_time(series, language, weekly=weekly))
        tables.extend(staffing_tables(staffing, slot_minutes, language, notes["staffing"]))
        report = PlannerReport(
            region=region,
            period=period,
            figures=totals,
            notes=notes,
            tables=tables,
            current_hours=hours_block(region.hours["hotline"], region_id=region.id) if region else "",
            rolled_at=state.rolled_at if state is not None else None,
        )
        if region is None:
            return report
        demand = _weekly_demand(by_slot, weekdays, slot_minutes)
        needed = self._agents_needed(totals, slot_minutes)
        closed_rate = _share(
            sum(c["closed_to_callback"] for c in by_slot.values()), sum(c["closed_callers"] for c in by_slot.values())
        )
        if query.proposed_hours and query.proposed_hours.strip():
            report = self._what_if(report, region, query.proposed_hours, demand, closed_rate, needed, language)
        if query.recommend is not None:
            report = self._recommendation(report, region, query.recommend, demand, needed, language)
        return report

    def _what_if(
        self,
        report: PlannerReport,
        region: Region,
        proposed_text: str,
        demand: WeeklyDemand,
        closed_rate: float,
        needed: AgentsNeeded,
        language: str,
    ) -> PlannerReport:
        try:
            proposed = parse_hours_block(proposed_text)
        except ConfigError as exc:
            return replace(report, what_if_problems=tuple(str(issue) for issue in exc.issues))
        outcomes = compare(
            demand,
            {"Aktuelle Zeiten": region.hours["hotline"], "Vorschlag": proposed},
            closed_callback_rate=closed_rate,
            agents_needed=needed,
        )
        return replace(report, what_if=what_if_table(outcomes, self.settings, language))

    def _recommendation(
        self,
        report: PlannerReport,
        region: Region,
        form: RecommendForm,
        demand: WeeklyDemand,
        needed: AgentsNeeded,
        language: str,
    ) -> PlannerReport:
        slot = demand.slot_minutes
        try:
            best = recommend_hours(
                demand,
                # on the slot grid: the budget and the window rounded in, the shortest block up
                budget_minutes=int(form.budget_hours * 60) // slot * slot,
                min_block_minutes=-(-form.min_block_minutes // slot) * slot,
                earliest_minute=-(-form.earliest_minute // slot) * slot,
                latest_minute=form.latest_minute // slot * slot,
            )
        except ValueError as exc:
            return replace(report, recommend_problem=str(exc))
        return replace(
            report,
            recommendation=recommendation_table(best, demand, needed, language),
            recommended_block=hours_block(best.hours, region_id=region.id),
        )

    def _region(self, region_id: str | None) -> Region | None:
        if not region_id:
            return None
        region = self.deployment.region(region_id)
        if region is None:
            raise PlannerInputError(f"Die Region „{region_id}“ gibt es nicht.")
        return region

    def _agents_needed(self, totals: Figures, slot_minutes: int) -> AgentsNeeded:
        return AgentsNeeded(self.settings, totals.aht_s, totals.patience_s, slot_minutes * 60)


@dataclass(frozen=True, slots=True)
class AgentsNeeded:
    """Counsellors on the phone a slot needs for its calls, by Erlang A or C under the settings."""

    settings: PlanningSettings
    aht_s: float | None
    patience_s: float | None
    interval_s: float

    def __call__(self, calls: float) -> int:
        if not calls or not self.aht_s:
            return 0
        s = self.settings
        return required_agents(
            calls,
            self.interval_s,
            self.aht_s,
            s.target.total_seconds(),
            s.service_level,
            self.patience_s,
            s.max_occupancy,
        ).agents


async def _region_totals(session: AsyncSession, period: Period) -> dict[str, dict[str, int]]:
    sums = [func.sum(getattr(CapacityInterval, name)) for name in COUNT_COLUMNS]
    result = await session.execute(
        select(CapacityInterval.region, *sums)
        .where(CapacityInterval.starts_at >= period.since, CapacityInterval.starts_at < period.until)
        .group_by(CapacityInterval.region)
    )
    return {row[0]: dict(zip(COUNT_COLUMNS, (int(v or 0) for v in row[1:]), strict=True)) for row in result}


def _open_slots(hours: Sequence[WeeklyHours], slot_minutes: int) -> set[tuple[int, int]]:
    """Slots of the week any of the hours touch."""
    slots: set[tuple[int, int]] = set()
    for weekly in hours:
        for day, ranges in enumerate(weekly.days):
            for time_range in ranges:
                first, last = time_range.start // slot_minutes, (time_range.end - 1) // slot_minutes
                slots.update((day, slot) for slot in range(first, last + 1))
    return slots


def _weekly_demand(
    by_slot: Mapping[tuple[int, int], Mapping[str, int]], weekdays: Sequence[int], slot_minutes: int
) -> WeeklyDemand:
    per_day = MINUTES_PER_DAY // slot_minutes
    values = tuple(
        tuple(by_slot.get((day, slot), {}).get("callers", 0) / max(1, weekdays[day]) for slot in range(per_day))
        for day in range(7)
    )
    return WeeklyDemand(slot_minutes, values)


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0
