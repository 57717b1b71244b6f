"""When a concern is due, counted on the working-day calendar in local wall-clock time."""

from __future__ import annotations

import datetime as dt

from config.deployment import Deployment, Region, SameWorkingDay, Urgency
from routing.index import HORIZON_DAYS, RegionIndex, index_for
from routing.wallclock import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, datetime_of, require_aware, time_of_day


def due_at(raised_at: dt.datetime, urgency: Urgency, region: Region, deployment: Deployment) -> dt.datetime:
    """When a concern raised at `raised_at` (aware) must be answered; aware, in the deployment's zone."""
    require_aware(raised_at)
    index = index_for(deployment)
    regional = index.region_index(region)
    local = raised_at.astimezone(index.zone)
    ordinal, wall = local.toordinal(), time_of_day(local)
    rule = deployment.sla.rule(urgency)
    if isinstance(rule, SameWorkingDay):
        day_end = deployment.sla.day_end * US_PER_MINUTE
        if not (regional.is_working_day(ordinal) and wall < day_end):
            ordinal = _next_working_day(regional, ordinal + 1)
        wall = day_end
    else:
        ordinal, wall = _add_working_time(regional, ordinal, wall, rule.hours * US_PER_HOUR)
    return datetime_of(regional.clock(ordinal).first_instant(wall), index.zone)


def _add_working_time(index: RegionIndex, ordinal: int, wall: int, remaining: int) -> tuple[int, int]:
    """Count `remaining` microseconds of wall-clock time forward, only on working days.

    Each working day is worth its 24 wall-clock hours, also on the days the clocks change.
    """
    for day in range(ordinal, ordinal + HORIZON_DAYS * (1 + remaining // US_PER_DAY)):
        if index.is_working_day(day):
            left_today = US_PER_DAY - wall
            if remaining <= left_today:
                return day, wall + remaining
            remaining -= left_today
        wall = 0
    raise ValueError(f"no working days left in {index.region.id!r} to count the due time on")


def _next_working_day(index: RegionIndex, ordinal: int) -> int:
    for day in range(ordinal, ordinal + HORIZON_DAYS + 1):
        if index.is_working_day(day):
            return day
    raise ValueError(f"no working day in {index.region.id!r} within {HORIZON_DAYS} days")
