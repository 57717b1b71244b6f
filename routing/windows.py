"""Open windows of any channel: is it open now, when does it open next, when does it close."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from config.deployment import Channel, Deployment, Region
from routing.index import HORIZON_DAYS, RegionIndex, index_for
from routing.wallclock import US_PER_MINUTE, datetime_of, instant_of, require_aware


class Window(NamedTuple):
    """A contiguous open stretch as instants; `cut` when it was still open at the search horizon."""

    start: int
    end: int
    cut: bool


def first_window(index: RegionIndex, channel: Channel, ordinal: int, now: int) -> Window | None:
    """The window open at instant `now` or the next one, searching from the local date `ordinal`."""
    if not index.has_hours(channel):
        return None
    start = end = 0
    found = False
    for day in range(ordinal, ordinal + HORIZON_DAYS + 1):
        plan = index.plan(channel, day)
        for span_start, span_end in plan.spans:
            if not found:
                if span_end > now:
                    start, end, found = span_start, span_end, True
            elif span_start == end:
                end = span_end  # adjacent ranges, or a range going on past midnight
            else:
                return Window(start, end, cut=False)
        if found and not (plan.open_at_midnight and end == plan.spans[-1][1]):
            return Window(start, end, cut=False)
    if not found:
        return None
    return Window(start, end, cut=True)


def is_open(region: Region, channel: Channel, now: dt.datetime, deployment: Deployment) -> bool:
    """Whether `channel` of `region` is open at `now` (aware)."""
    window = _window_at(region, channel, now, deployment)
    return window is not None and window.start <= instant_of(now)


def next_opening(region: Region, channel: Channel, now: dt.datetime, deployment: Deployment) -> dt.datetime | None:
    """The first moment from `now` on at which `channel` is open (`now` itself if open); None if never."""
    window = _window_at(region, channel, now, deployment)
    if window is None:
        return None
    return datetime_of(max(window.start, instant_of(now)), index_for(deployment).zone)


def next_window(
    region: Region, channel: Channel, now: dt.datetime, deployment: Deployment
) -> tuple[dt.datetime, dt.datetime] | None:
    """The window open at `now`, or else the next one, as (start, end); None if never.

    A window still open at the search horizon (a year ahead) is cut there.
    """
    window = _window_at(region, channel, now, deployment)
    if window is None:
        return None
    index = index_for(deployment)
    start = _opened_at(index.region_index(region), channel, now.astimezone(index.zone).toordinal(), window.start)
    return datetime_of(start, index.zone), datetime_of(window.end, index.zone)


def within_hours(
    region: Region, channel: Channel, start: dt.datetime, end: dt.datetime, deployment: Deployment
) -> bool:
    """Whether all of [start, end) lies in one open window of `channel` (a counselling slot
    inside the region's counselling hours, say)."""
    if end <= start:
        return False
    window = next_window(region, channel, start, deployment)
    return window is not None and window[0] <= start and end <= window[1]


def _opened_at(index: RegionIndex, channel: Channel, ordinal: int, start: int) -> int:
    """Where a window found on the local date `ordinal` really began: it may go back past midnight."""
    for day in range(ordinal, ordinal - HORIZON_DAYS, -1):
        plan = index.plan(channel, day)
        if not plan.spans or plan.spans[0][0] != start or plan.ranges[0][0] != 0:
            return start
        previous = index.plan(channel, day - 1)
        if not (previous.open_at_midnight and previous.spans[-1][1] == start):
            return start
        start = previous.spans[-1][0]
    return start


def _window_at(region: Region, channel: Channel, now: dt.datetime, deployment: Deployment) -> Window | None:
    require_aware(now)
    index = index_for(deployment)
    local = now.astimezone(index.zone)
    return first_window(index.region_index(region), channel, local.toordinal(), instant_of(now))


def open_ranges(region: Region, channel: Channel, day: dt.date, deployment: Deployment) -> tuple[tuple[int, int], ...]:
    """The wall-clock ranges of `day` in which `channel` is open, as minutes since local midnight
    (an end of 1440 is midnight), after weekly and special hours, holidays and closures."""
    index = index_for(deployment).region_index(region)
    return tuple(
        (-(-start // US_PER_MINUTE), end // US_PER_MINUTE)
        for start, end in index.plan(channel, day.toordinal()).ranges
        if end // US_PER_MINUTE > -(-start // US_PER_MINUTE)
    )
