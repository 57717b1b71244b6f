"""A region's weekly hours as the plain data `formatting.opening_hours` reads."""

from __future__ import annotations

import datetime as dt

from config.deployment import WeeklyHours

MINUTES_PER_DAY = 24 * 60


def weekly_ranges(hours: WeeklyHours) -> list[list[tuple[dt.time, dt.time]]]:
    """Per weekday, Monday first, the (start, end) local times; an end of 24:00 is 00:00."""
    return [[(_time(r.start), _time(r.end)) for r in day] for day in hours.days]


def _time(minutes: int) -> dt.time:
    minutes %= MINUTES_PER_DAY
    return dt.time(minutes // 60, minutes % 60)
