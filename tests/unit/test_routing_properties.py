"""Properties for all times in 2026-2027 and random hours, checked against a slow, plain reference.

Generated hours and closures start and end on the half hour, and Berlin's offsets are whole
hours, so whether a line is open can only change on the half-hour grid of UTC: checking every
grid point between two instants checks every instant between them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from config.deployment import WEEKDAYS, Channel, Deployment, Region
from config.loader import load_deployment, parse_deployment
from routing import decide, due_at, hours_per_week, is_open, next_opening, next_window

BERLIN = ZoneInfo("Europe/Berlin")
NUMBER = "+4922419000500"
GRID = dt.timedelta(minutes=30)
EXAMPLE = load_deployment(Path(__file__).parents[2] / "config/examples/rhein-sieg.toml")
VIEWS = [dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8)), BERLIN]

# North Rhine-Westphalia, written out (see test_routing_holidays.py) rather than asked of the library.
NW_HOLIDAYS = {
    dt.date.fromisoformat(day)
    for day in """
        2026-01-01 2026-04-03 2026-04-06 2026-05-01 2026-05-14 2026-05-25 2026-06-04
        2026-10-03 2026-11-01 2026-12-25 2026-12-26
        2027-01-01 2027-03-26 2027-03-29 2027-05-01 2027-05-06 2027-05-17 2027-05-27
        2027-10-03 2027-11-01 2027-12-25 2027-12-26
        2028-01-01 2028-04-14 2028-04-17 2028-05-01 2028-05-25 2028-06-05 2028-06-15
        2028-10-03 2028-11-01 2028-12-25 2028-12-26
    """.split()  # 2028 too: an opening sought late in 2027 can fall there
}
CLOCK_CHANGES = [
    dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 1, tzinfo=dt.UTC),
    dt.datetime(2027, 3, 28, 1, tzinfo=dt.UTC),
    dt.datetime(2027, 10, 31, 1, tzinfo=dt.UTC),
]


# --- the reference: slow and plain ---------------------------------------------------------------


def reference_closures(region: Region, deployment: Deployment, moment: dt.datetime) -> list[str]:
    local = moment.astimezone(BERLIN).replace(tzinfo=None)
    return [c.reason for c in (*deployment.closures, *region.closures) if c.start <= local < c.end]


def reference_open(region: Region, channel: Channel, deployment: Deployment, moment: dt.datetime) -> bool:
    local = moment.astimezone(BERLIN).replace(tzinfo=None)
    if reference_closures(region, deployment, moment) or local.date() in NW_HOLIDAYS:
        return False
    special = region.special_hours.get(local.date())
    if special is not None and channel in special.channels:
        ranges = special.channels[channel]
    else:
        weekly = region.hours.get(channel)
        ranges = weekly.days[local.weekday()] if weekly else ()
    minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    return any(r.start <= minute < r.end for r in ranges)


def reference_working_day(region: Region, deployment: Deployment, day: dt.date) -> bool:
    if day.weekday() >= 5 or day in NW_HOLIDAYS:
        return False
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=BERLIN)
    half_hours = (midnight + GRID * step for step in range(48))
    return any(not reference_closures(region, deployment, moment) for moment in half_hours)


def utc(moment: dt.datetime) -> dt.datetime:
    """Compare in UTC: aware datetimes sharing a tzinfo compare by wall clock, blind to the repeated hour."""
    return moment.astimezone(dt.UTC)


def grid_after(moment: dt.datetime) -> dt.datetime:
    """The first point of the UTC half-hour grid strictly after `moment`."""
    utc = moment.astimezone(dt.UTC)
    floor = utc.replace(minute=utc.minute // 30 * 30, second=0, microsecond=0)
    return floor + GRID


def grid_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    points, point = [], grid_after(start)
    while point < end:
        points.append(point)
        point += GRID
    return points


# --- strategies -------------------------------------------------------------------------------


def hhmm(half_hours: int) -> str:
    return f"{half_hours // 2:02d}:{half_hours % 2 * 30:02d}"


@st.composite
def day_ranges(draw: st.DrawFn) -> list[str]:
    """Up to three sorted ranges on the half hour; equal points give adjacent ranges."""
    points = sorted(draw(st.lists(st.integers(0, 48), max_size=6)))
    pairs = zip(points[::2], points[1::2], strict=False)
    return [f"{hhmm(a)}-{hhmm(b)}" for a, b in pairs if a < b]


@st.composite
def closures(draw: st.DrawFn) -> list[dict[str, str]]:
    result: list[dict[str, str]] = []
    for _ in range(draw(st.integers(0, 2))):
        start = dt.datetime(2026, 1, 1) + GRID * draw(st.integers(0, 730 * 48))
        end = start + GRID * draw(st.integers(1, 4 * 48))
        result.append({"from": start.isoformat(), "to": end.isoformat(), "reason": f"closure {len(result)}"})
    return result


@st.composite
def deployments(draw: st.DrawFn) -> Deployment:
    """One region with random hotline and counselling hours, closures and special hours."""
    hotline = draw(st.fixed_dictionaries({day: day_ranges() for day in WEEKDAYS}))
    if not any(hotline.values()):
        hotline["wed"] = ["10:00-11:00"]  # keeps every gap between openings short enough to scan
    counselling = draw(st.fixed_dictionaries({day: day_ranges() for day in WEEKDAYS}))
    special_days = draw(st.lists(st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)), max_size=2, unique=True))
    special = [{"date": day.isoformat(), "hotline": draw(day_ranges())} for day in special_days]
    raw: dict[str, Any] = {
        "timezone": "Europe/Berlin",
        "holidays": {"country": "DE", "subdivision": "NW"},
        "sla": {"urgent": "same_day", "normal": "48h"},
        "closures": [
            {"date": "2026-02-16", "reason": "Rosenmontag"},
            {"from": "2026-12-24T00:00", "to": "2027-01-01T00:00", "reason": "Betriebsruhe"},
        ],
        "regions": [
            {
                "id": "random",
                "name": "Random",
                "numbers": [NUMBER],
                "hours": {"hotline": hotline, "counselling": counselling},
                "closures": draw(closures()),
                "special_hours": special,
            }
        ],
    }
    return parse_deployment(raw)


def shift(base: dt.datetime, seconds: int) -> dt.datetime:
    return base + dt.timedelta(seconds=seconds)


instants = st.one_of(
    st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31, 23, 59, 59), timezones=st.just(dt.UTC)),
    st.builds(shift, st.sampled_from(CLOCK_CHANGES), st.integers(-4 * 3600, 4 * 3600)),
).flatmap(lambda moment: st.sampled_from(VIEWS).map(moment.astimezone))

properties = settings(max_examples=150, deadline=None)


# --- properties -------------------------------------------------------------------------------


@properties
@given(deployment=deployments(), now=instants)
def test_open_exactly_inside_hours_on_an_open_day(deployment: Deployment, now: dt.datetime) -> None:
    region = deployment.regions[0]
    decision = decide(NUMBER, now, deployment)
    assert decision.open == reference_open(region, "hotline", deployment, now)
    for channel in ("hotline", "counselling", "appointments"):
        assert is_open(region, channel, now, deployment) == reference_open(region, channel, deployment, now)
    if not decision.open:
        closed_by = reference_closures(region, deployment, now)
        if closed_by:
            assert decision.reason == "closure"
            assert decision.detail in closed_by
        elif now.astimezone(BERLIN).date() in NW_HOLIDAYS:
            assert decision.reason == "holiday"
        else:
            assert (decision.reason, decision.detail) == ("outside_hours", None)


@properties
@given(deployment=deployments(), now=instants)
def test_next_opening_is_the_first_open_moment(deployment: Deployment, now: dt.datetime) -> None:
    region = deployment.regions[0]
    opening = next_opening(region, "hotline", now, deployment)
    assert opening is not None
    assert opening.tzinfo == BERLIN
    if reference_open(region, "hotline", deployment, now):
        assert utc(opening) == utc(now)
        return
    assert utc(opening) > utc(now)
    assert reference_open(region, "hotline", deployment, opening)
    assert not any(reference_open(region, "hotline", deployment, p) for p in grid_between(now, opening))
    decided = decide(NUMBER, now, deployment).next_opening
    assert decided is not None
    assert utc(decided) == utc(opening)


@properties
@given(deployment=deployments(), now=instants)
def test_closes_at_ends_the_open_stretch(deployment: Deployment, now: dt.datetime) -> None:
    region = deployment.regions[0]
    decision = decide(NUMBER, now, deployment)
    if not decision.open:
        assert decision.closes_at is None
        return
    closes_at = decision.closes_at
    assert closes_at is not None
    assert utc(closes_at) > utc(now)
    assert not reference_open(region, "hotline", deployment, closes_at)
    assert all(reference_open(region, "hotline", deployment, p) for p in grid_between(now, closes_at))


@properties
@given(deployment=deployments(), now=instants)
def test_next_window_is_a_whole_open_stretch(deployment: Deployment, now: dt.datetime) -> None:
    region = deployment.regions[0]
    window = next_window(region, "counselling", now, deployment)
    if window is None:
        assert next_opening(region, "counselling", now, deployment) is None
        return
    start, end = utc(window[0]), utc(window[1])
    assert start < end
    assert end > utc(now)
    assert reference_open(region, "counselling", deployment, start)
    assert not reference_open(region, "counselling", deployment, start - dt.timedelta(microseconds=1))
    assert not reference_open(region, "counselling", deployment, end)
    if start > utc(now):
        opening = next_opening(region, "counselling", now, deployment)
        assert opening is not None
        assert utc(opening) == start


@properties
@given(now=instants, view=st.sampled_from(VIEWS), dialled=st.sampled_from(["+4922419000100", "+4922439000400"]))
def test_any_utc_offset_gives_the_same_decision(now: dt.datetime, view: dt.tzinfo, dialled: str) -> None:
    assert decide(dialled, now.astimezone(view), EXAMPLE) == decide(dialled, now, EXAMPLE)


@properties
@given(deployment=deployments())
def test_hours_per_week_is_the_sum_of_the_intervals(deployment: Deployment) -> None:
    region = deployment.regions[0]
    expected = {
        channel: sum(r.end - r.start for day in weekly.days for r in day) / 60
        for channel, weekly in region.hours.items()
    }
    assert hours_per_week(region) == expected


def reference_working_time(
    region: Region, deployment: Deployment, start: dt.datetime, end: dt.datetime
) -> dt.timedelta:
    """Wall-clock time between two moments that falls on working days."""
    first, last = (moment.astimezone(BERLIN).replace(tzinfo=None) for moment in (start, end))
    counted = dt.timedelta()
    day = first.date()
    while day <= last.date():
        if reference_working_day(region, deployment, day):
            midnight = dt.datetime.combine(day, dt.time())
            counted += max(dt.timedelta(), min(last, midnight + dt.timedelta(days=1)) - max(first, midnight))
        day += dt.timedelta(days=1)
    return counted


def assert_ends_a_hotline_window(region: Region, deployment: Deployment, due: dt.datetime) -> None:
    # The moment before, counted in UTC: in Berlin's wall clock it could fall in the other pass
    # of a repeated hour, or in the spring gap.
    assert reference_open(region, "hotline", deployment, utc(due) - dt.timedelta(microseconds=1))
    assert not reference_open(region, "hotline", deployment, due)


@properties
@given(deployment=st.one_of(st.just(EXAMPLE), deployments()), raised=instants)
def test_48_working_hours_from_the_clock_start_end_with_a_hotline_window(
    deployment: Deployment, raised: dt.datetime
) -> None:
    region = deployment.regions[0]
    due = due_at(raised, "normal", region, deployment)
    assert due.tzinfo == BERLIN
    assert utc(due) > utc(raised)
    assert_ends_a_hotline_window(region, deployment, due)
    clock_start = next_opening(region, "hotline", raised, deployment)
    assert clock_start is not None
    promised = dt.timedelta(hours=48)
    window = next_window(region, "hotline", utc(due) - dt.timedelta(microseconds=1), deployment)
    assert window is not None and utc(window[1]) == utc(due)
    if reference_working_time(region, deployment, clock_start, due) >= promised:
        # The hours ran out inside this window (or at its very end): it is the first to end after them.
        assert reference_working_time(region, deployment, clock_start, window[0]) <= promised
    else:
        # The hours run out while the line is closed: it does not open again before they have.
        reopens = next_opening(region, "hotline", due, deployment)
        assert reopens is not None
        # (equal, not more, when it reopens on a day that does not count, after they ran out)
        assert reference_working_time(region, deployment, clock_start, reopens) >= promised


@properties
@given(deployment=st.one_of(st.just(EXAMPLE), deployments()), raised=instants)
def test_urgent_is_due_at_the_end_of_the_last_hotline_window_of_the_first_day_possible(
    deployment: Deployment, raised: dt.datetime
) -> None:
    region = deployment.regions[0]
    due = due_at(raised, "urgent", region, deployment)
    assert utc(due) > utc(raised)
    assert_ends_a_hotline_window(region, deployment, due)
    assert utc(due) <= utc(due_at(raised, "normal", region, deployment))  # urgent is never later than normal
    window = next_window(region, "hotline", utc(due) - dt.timedelta(microseconds=1), deployment)
    assert window is not None and utc(window[1]) == utc(due)
    opened = window[0].astimezone(BERLIN)
    # It is the first day with hotline hours left after the raise: no earlier day is open after it ...
    for point in grid_between(raised, opened):
        assert (
            not reference_open(region, "hotline", deployment, point) or point.astimezone(BERLIN).date() >= opened.date()
        )
    # ... and its last window: the line stays closed after it that day (unless it ran past midnight).
    if (utc(due) - dt.timedelta(microseconds=1)).astimezone(BERLIN).date() == opened.date():
        midnight = dt.datetime.combine(opened.date() + dt.timedelta(days=1), dt.time(), tzinfo=BERLIN)
        assert not any(reference_open(region, "hotline", deployment, p) for p in grid_between(due, midnight))
