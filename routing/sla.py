"""When a concern is due: a promise in service time, at the end of one of the region's hotline windows.

A due time is always a moment when the region can call back, so it is always the end of a
hotline window (after weekly hours, special hours, holidays and closures):

- The clock starts when the concern is raised, or at the next opening of the hotline when it
  is raised while the line is closed.
- "same_day" (urgent): the end of the last hotline window of the day it was raised on; when
  raised after it (or on a day without hotline hours), the end of the last window of the next
  day that has one.
- "48h" (normal): the hours are counted from the clock start on working days only (Monday to
  Friday, no public holiday, not closed all day; each counts its 24 wall-clock hours). Where
  they run out inside a hotline window, the due time is that window's end; where they run out
  while the line is closed, the end of the last hotline window before (earlier: never a
  night-time promise).

Siegburg in the example deployment: raised Wednesday 01:51 → clock from Wednesday 08:00 → runs
out Friday 08:00, inside Friday's window 08:00–12:00 → due Friday 12:00.

The edge: "the last window before" never reaches back before the clock start. It cannot: the
clock starts inside a window (the one open at the raise, or the next one), the hours run out at
or after the clock start, so the last window ending before they run out ends no earlier than
that first window. The earliest promise is therefore the end of the window the clock started
in — a moment after the raise at which the line is still staffed.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from config.deployment import Channel, Deployment, Region, SameWorkingDay, Urgency
from routing.index import HORIZON_DAYS, RegionIndex, index_for
from routing.wallclock import US_PER_DAY, US_PER_HOUR, datetime_of, instant_of, require_aware, time_of_day
from routing.windows import first_window

_HOTLINE: Channel = "hotline"


def due_at(raised_at: dt.datetime, urgency: Urgency, region: Region, deployment: Deployment) -> dt.datetime:
    """When a concern raised at `raised_at` (aware) must be answered; aware, in the deployment's zone.

    Always the end of one of the region's hotline windows; see the module's docstring for the rule.
    """
    require_aware(raised_at)
    index = index_for(deployment)
    regional = index.region_index(region)
    raised = instant_of(raised_at)
    ordinal = raised_at.astimezone(index.zone).toordinal()
    rule = deployment.sla.rule(urgency)
    if isinstance(rule, SameWorkingDay):
        due = _end_of_last_window_of_day(regional, ordinal, raised)
    else:
        due = _end_after_working_hours(regional, index.zone, ordinal, raised, rule.hours)
    return datetime_of(due, index.zone)


def _end_after_working_hours(index: RegionIndex, zone: ZoneInfo, ordinal: int, raised: int, hours: int) -> int:
    """The end of the hotline window in which `hours` working hours from the clock start run out, or before."""
    first = first_window(index, _HOTLINE, ordinal, raised)
    if first is None:
        raise ValueError(f"no hotline hours in {index.region.id!r} within {HORIZON_DAYS} days to promise a callback")
    clock_start = datetime_of(max(first.start, raised), zone)
    day, wall = _add_working_time(index, clock_start.toordinal(), time_of_day(clock_start), hours * US_PER_HOUR)
    runs_out = index.clock(day).first_instant(wall)
    around = first_window(index, _HOTLINE, day, runs_out)
    if around is not None and around.start <= runs_out:
        return around.end
    # The line is closed when the hours run out. The clock started inside `first`, so the hours
    # run out after it ended: the search below always finds a window ending at or after its end.
    for earlier in range(day, clock_start.toordinal() - 1, -1):
        ends = [end for _, end in index.plan(_HOTLINE, earlier).spans if end <= runs_out]
        if ends:
            return max(ends[-1], first.end)
    return first.end


def _end_of_last_window_of_day(index: RegionIndex, ordinal: int, raised: int) -> int:
    """The end of the last hotline window of the raise day, or of the next day that has one, after `raised`."""
    for day in range(ordinal, ordinal + HORIZON_DAYS + 1):
        spans = index.plan(_HOTLINE, day).spans
        if not spans:
            continue
        # The last window of the day may go on past midnight: its end is where it really closes.
        last = first_window(index, _HOTLINE, day, spans[-1][0])
        if last is not None and last.end > raised:
            return last.end
    raise ValueError(f"no hotline hours in {index.region.id!r} within {HORIZON_DAYS} days to promise a callback")


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
