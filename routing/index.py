"""What `decide` precomputes once per deployment: number → region, closures by date, day plans.

The index is cached per `Deployment` object (identity, held weakly) and fills its day plans
lazily, so a long-running process only ever holds the dates it was asked about.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from config.deployment import CHANNELS, Channel, Closure, Deployment, Region
from routing.numbers import region_by_number
from routing.public_holidays import holiday_name
from routing.wallclock import US_PER_DAY, US_PER_MINUTE, DayClock, Span, day_clock

HORIZON_DAYS = 366  # how far ahead openings and working days are searched
_MAX_PLANS = 100_000  # per region and channel; a sweep over many years must not grow memory forever

ClosureSpan = tuple[int, int, str]  # wall-clock microseconds of one date, and the reason


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One channel of one region on one local date, with holidays, closures and special hours applied."""

    ranges: tuple[Span, ...]  # open wall-clock time, microseconds since local midnight
    spans: tuple[Span, ...]  # the same as instants, in order
    open_at_midnight: bool  # the last range runs to 24:00, so a window may go on the next day
    holiday: str | None
    closures: tuple[ClosureSpan, ...]


class RegionIndex:
    """Closures by date and the lazily built day plans of one region."""

    __slots__ = ("_calendar", "_closures", "_has_hours", "_zone", "closed_offers", "plans", "region")

    def __init__(self, region: Region, deployment: Deployment, zone: ZoneInfo) -> None:
        self.region = region
        self._zone = zone
        self._calendar = deployment.holidays
        self._closures = _closures_by_date((*deployment.closures, *region.closures))
        self.plans: dict[Channel, dict[int, DayPlan]] = {channel: {} for channel in CHANNELS}
        self._has_hours = {channel: _ever_open(region, channel) for channel in CHANNELS}
        counselling = region.hours.get("counselling")
        has_counselling = counselling is not None and counselling.minutes_per_week > 0
        self.closed_offers: tuple[str, ...] = (
            ("callback", "voicemail", "counselling_link") if has_counselling else ("callback", "voicemail")
        )

    def plan(self, channel: Channel, ordinal: int) -> DayPlan:
        """The day plan of `channel` on the local date with this ordinal."""
        plans = self.plans[channel]
        plan = plans.get(ordinal)
        if plan is None:
            if len(plans) >= _MAX_PLANS:
                plans.clear()
            plan = plans[ordinal] = self._build_plan(channel, ordinal)
        return plan

    def has_hours(self, channel: Channel) -> bool:
        """Whether `channel` is ever open, weekly or on a special date (before closures)."""
        return self._has_hours[channel]

    def holiday(self, day: dt.date) -> str | None:
        """The name of the public holiday on `day`, if it is one."""
        return holiday_name(self._calendar.country, self._calendar.subdivision, day)

    def closures_on(self, ordinal: int) -> tuple[ClosureSpan, ...]:
        """The closures touching a local date, clipped to it, in order of start."""
        return self._closures.get(ordinal, ())

    def is_working_day(self, ordinal: int) -> bool:
        """Monday to Friday, not a public holiday, not closed all day."""
        day = dt.date.fromordinal(ordinal)
        if day.weekday() >= 5 or self.holiday(day) is not None:
            return False
        return _subtract(((0, US_PER_DAY),), self.closures_on(ordinal)) != ()

    def clock(self, ordinal: int) -> DayClock:
        """The wall clock of a local date in the deployment's zone."""
        return day_clock(self._zone, ordinal)

    def _build_plan(self, channel: Channel, ordinal: int) -> DayPlan:
        day = dt.date.fromordinal(ordinal)
        holiday = self.holiday(day)
        closures = self.closures_on(ordinal)
        ranges: tuple[Span, ...] = ()
        if holiday is None:
            special = self.region.special_hours.get(day)
            weekly = self.region.hours.get(channel)
            if special is not None and channel in special.channels:
                day_ranges = special.channels[channel]
            else:
                day_ranges = weekly.days[day.weekday()] if weekly is not None else ()
            as_us = tuple((r.start * US_PER_MINUTE, r.end * US_PER_MINUTE) for r in day_ranges)
            ranges = _subtract(as_us, closures)
        return DayPlan(
            ranges=ranges,
            spans=self.clock(ordinal).spans(ranges),
            open_at_midnight=bool(ranges) and ranges[-1][1] == US_PER_DAY,
            holiday=holiday,
            closures=closures,
        )


class DeploymentIndex:
    """Number → region and one `RegionIndex` per region of a deployment."""

    __slots__ = ("_deployment", "_regions", "by_number", "zone")

    def __init__(self, deployment: Deployment) -> None:
        # Held weakly: the index is the value of a weak-keyed cache and must not keep its key alive.
        self._deployment = weakref.ref(deployment)
        self.zone = ZoneInfo(deployment.timezone)
        self.by_number = {number: region for region in deployment.regions for number in region.numbers}
        self._regions: dict[Region, RegionIndex] = {}

    def find_region(self, dialled_number: str) -> Region:
        """The region owning a number in any notation; raise `UnknownNumber` otherwise."""
        return region_by_number(self.by_number, dialled_number)

    def region_index(self, region: Region) -> RegionIndex:
        """The index of `region` (built on first use)."""
        index = self._regions.get(region)
        if index is None:
            deployment = self._deployment()
            assert deployment is not None  # the caller holds it
            index = self._regions[region] = RegionIndex(region, deployment, self.zone)
        return index


_indexes: weakref.WeakKeyDictionary[Deployment, DeploymentIndex] = weakref.WeakKeyDictionary()


def index_for(deployment: Deployment) -> DeploymentIndex:
    """The index of a deployment, built on first use and dropped with the deployment."""
    index = _indexes.get(deployment)
    if index is None:
        index = _indexes[deployment] = DeploymentIndex(deployment)
    return index


def _ever_open(region: Region, channel: Channel) -> bool:
    weekly = region.hours.get(channel)
    if weekly is not None and weekly.minutes_per_week > 0:
        return True
    return any(special.channels.get(channel) for special in region.special_hours.values())


def _closures_by_date(closures: tuple[Closure, ...]) -> dict[int, tuple[ClosureSpan, ...]]:
    by_date: dict[int, list[ClosureSpan]] = {}
    for closure in sorted(closures, key=lambda c: c.start):
        last = (closure.end - dt.timedelta(microseconds=1)).toordinal()
        for ordinal in range(closure.start.toordinal(), last + 1):
            midnight = dt.datetime.combine(dt.date.fromordinal(ordinal), dt.time())
            start = max(0, _us(closure.start - midnight))
            end = min(US_PER_DAY, _us(closure.end - midnight))
            by_date.setdefault(ordinal, []).append((start, end, closure.reason))
    return {ordinal: tuple(spans) for ordinal, spans in by_date.items()}


def _us(delta: dt.timedelta) -> int:
    return delta // dt.timedelta(microseconds=1)


def _subtract(ranges: tuple[Span, ...], closures: tuple[ClosureSpan, ...]) -> tuple[Span, ...]:
    """`ranges` without the closed spans, still sorted."""
    result: list[Span] = []
    for start, end in ranges:
        pieces = [(start, end)]
        for closed_from, closed_to, _ in closures:
            pieces = [
                piece
                for a, b in pieces
                for piece in ((a, min(b, closed_from)), (max(a, closed_to), b))
                if piece[0] < piece[1]
            ]
        result.extend(pieces)
    return tuple(result)
