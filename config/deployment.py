"""The deployment file as frozen, typed objects: regions, numbers, hours, holidays, closures, SLAs.

Everything here is plain data. The loader (`config.loader`) builds it and guarantees the
invariants the rest of the service relies on: ranges are ordered and do not overlap, numbers
are E.164 and belong to exactly one region, region ids are unique.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

Channel = Literal["hotline", "appointments", "counselling"]
CHANNELS: tuple[Channel, ...] = ("hotline", "appointments", "counselling")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A local wall-clock interval within one day, in minutes since midnight; end is exclusive."""

    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


DayRanges = tuple[TimeRange, ...]


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Opening ranges for each weekday (index 0 = Monday), sorted and disjoint."""

    days: tuple[DayRanges, DayRanges, DayRanges, DayRanges, DayRanges, DayRanges, DayRanges]

    @property
    def minutes_per_week(self) -> int:
        return sum(r.minutes for day in self.days for r in day)

    @property
    def hours_per_week(self) -> float:
        return self.minutes_per_week / 60

    def local_times(self) -> list[list[tuple[dt.time, dt.time]]]:
        """Per weekday, Monday first, the (start, end) local times, as `formatting.opening_hours`
        reads them: an end of 24:00 is midnight."""

        def clock(minutes: int) -> dt.time:
            return dt.time((minutes // 60) % 24, minutes % 60)

        return [[(clock(r.start), clock(r.end)) for r in day] for day in self.days]


@dataclass(frozen=True, slots=True)
class Closure:
    """A span of local wall-clock time in which a line is closed, with the reason callers hear."""

    start: dt.datetime  # naive, local to the deployment's time zone
    end: dt.datetime  # naive, exclusive
    reason: str


@dataclass(frozen=True, slots=True, eq=False)
class SpecialHours:
    """Hours that replace the weekly hours of some channels on one date (an empty tuple: closed)."""

    date: dt.date
    channels: Mapping[Channel, DayRanges]


@dataclass(frozen=True, slots=True)
class SameWorkingDay:
    """Due at the end of the last hotline window of the day raised, or of the next day with one if raised later."""


@dataclass(frozen=True, slots=True)
class WithinWorkingHours:
    """Due at the end of the hotline window in which this many hours, counted on working days only, run out."""

    hours: int


SlaRule = SameWorkingDay | WithinWorkingHours
Urgency = Literal["urgent", "normal"]


@dataclass(frozen=True, slots=True)
class Sla:
    urgent: SlaRule
    normal: SlaRule

    def rule(self, urgency: Urgency) -> SlaRule:
        return self.urgent if urgency == "urgent" else self.normal


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    country: str
    subdivision: str | None


@dataclass(frozen=True, slots=True)
class TelephonySettings:
    """How calls sound and behave; every field has a default, so the table is optional."""

    hold_music: str | None = None  # a URL Twilio can fetch, or None for silence
    voicemail_max_seconds: int = 120
    transcribe_voicemail: bool = False
    counsellor_max_misses: int = 3


@dataclass(frozen=True, slots=True)
class Topic:
    """What a concern is about, with the urgency it gets unless staff say otherwise."""

    id: str
    name: str  # German, as staff and customers see it
    name_en: str
    urgency: Urgency


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    """How often and when an unreached customer is called again."""

    attempts: int = 3
    min_gap: dt.timedelta = dt.timedelta(minutes=30)
    claim_lease: dt.timedelta = dt.timedelta(minutes=15)
    due_soon: dt.timedelta = dt.timedelta(hours=2)  # flagged on the worklist this long before due


DEFAULT_TOPICS: tuple[Topic, ...] = (Topic("other", "Sonstiges", "Other", "normal"),)


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of record is kept before the scheduled deletion job removes it."""

    voicemail_days: int = 30
    concern_days: int = 30  # after a concern is closed (or given up as unreachable): number, name, note go
    booking_days: int = 30  # after the session ended: a booking's number, first name and note go
    contact_log_months: int = 24  # contact events and call rows; the planner's quarter-hour counts stay
    audit_years: int = 10  # audit trail rows


@dataclass(frozen=True, slots=True)
class PlanningSettings:
    """How capacity figures are counted. Products disagree on these, so every choice is a setting
    and the planner page prints it next to each figure."""

    service_level: float = 0.8  # the share of callers to answer within `target`
    target: dt.timedelta = dt.timedelta(seconds=20)
    count_abandoned: bool = True  # abandoned calls stay in the service level's denominator
    short_abandon: dt.timedelta = dt.timedelta(seconds=5)  # callers who hang up this fast hardly waited
    count_short_abandons: bool = False  # ... and are left out of the service level unless this is true
    queue_exits_abandoned: bool = False  # leaving the queue for a callback or voicemail is its own outcome
    repeat_window: dt.timedelta = dt.timedelta(minutes=30)  # redials of one caller within it: one caller
    interval: dt.timedelta = dt.timedelta(minutes=30)  # staffing interval: 15, 30 or 60 minutes
    max_occupancy: float = 0.85  # the busiest a counsellor may be kept
    shrinkage: float = 0.3  # share of paid time not on the phone (breaks, training, absence)
    min_abandons: int = 30  # abandons in the period before patience is estimated and Erlang A used


VideoProvider = Literal["jitsi", "twilio"]
VIDEO_PROVIDERS: tuple[VideoProvider, ...] = ("jitsi", "twilio")


@dataclass(frozen=True, slots=True)
class VideoSettings:
    """Which video service counselling sessions use and how long a join link lets people in.

    Without a `[video]` table the defaults apply and `domain` is None: no Jitsi server is known,
    so video sessions cannot be offered until one is configured (the loader insists on a domain
    for Jitsi as soon as the table is written).
    """

    provider: VideoProvider = "jitsi"
    domain: str | None = None  # the job centre's own Jitsi Meet host, e.g. "video.jobcenter.example"
    app_id: str = "hotline"  # JWT `iss`, as Prosody's token auth is configured
    audience: str = "jitsi"  # JWT `aud`
    early_join: dt.timedelta = dt.timedelta(minutes=10)  # a join link works this long before the start
    grace: dt.timedelta = dt.timedelta(minutes=15)  # and this long after the end

    @property
    def configured(self) -> bool:
        return self.provider == "twilio" or self.domain is not None


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Region:
    id: str
    name: str
    numbers: tuple[str, ...]  # E.164
    languages: tuple[str, ...]  # the first is the default
    max_queue_wait: dt.timedelta
    hours: Mapping[Channel, WeeklyHours]  # always holds "hotline"
    closures: tuple[Closure, ...] = ()
    special_hours: Mapping[dt.date, SpecialHours] = field(default_factory=dict)
    staff_line: str | None = None  # E.164; counsellors dial it and key in their PIN

    @property
    def default_language(self) -> str:
        return self.languages[0]


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Deployment:
    timezone: str
    holidays: HolidayCalendar
    sla: Sla
    regions: tuple[Region, ...]
    closures: tuple[Closure, ...] = ()
    telephony: TelephonySettings = TelephonySettings()
    retention: Retention = Retention()
    topics: tuple[Topic, ...] = DEFAULT_TOPICS
    callbacks: CallbackPolicy = CallbackPolicy()
    video: VideoSettings = VideoSettings()
    planning: PlanningSettings = PlanningSettings()
    website: str | None = None  # told to callers who got lost in the menu, e.g. "www.jobcenter-rhein-sieg.de"
    source: str = ""  # where it was loaded from, for messages

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def region(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)

    def region_for_number(self, e164: str) -> Region | None:
        return next((r for r in self.regions if e164 in r.numbers), None)

    def region_for_staff_line(self, e164: str) -> Region | None:
        return next((r for r in self.regions if r.staff_line == e164), None)
