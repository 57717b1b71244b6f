"""The contact form's callback windows lie inside the region's hotline hours of the day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from callbacks.time_windows import DayOffer, minutes_of, offered_days
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT

BERLIN = ZoneInfo("Europe/Berlin")
EXAMPLE = load_deployment(EXAMPLE_DEPLOYMENT)
SIEGBURG = EXAMPLE.region("siegburg")
assert SIEGBURG is not None


def offers_at(local: str) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    now = dt.datetime.fromisoformat(local).replace(tzinfo=BERLIN)
    assert SIEGBURG is not None
    return [(offer.day.isoformat(), offer.ranges) for offer in offered_days(SIEGBURG, EXAMPLE, now)]


def test_days_without_hotline_hours_are_not_offered_and_each_day_keeps_its_own_hours() -> None:
    # Tuesday 22.12.2026 after the line closed: Wednesday's special hours 08-11, then the
    # year-end closure, Neujahr and the weekend are skipped.
    assert offers_at("2026-12-22T16:00") == [
        ("2026-12-23", ((480, 660),)),
        ("2027-01-04", ((480, 720), (780, 900))),
        ("2027-01-05", ((480, 720), (780, 900))),
        ("2027-01-06", ((480, 720),)),
        ("2027-01-07", ((480, 720), (780, 1080))),
    ]


def test_today_offers_only_what_is_left_of_its_hours() -> None:
    assert offers_at("2026-12-07T10:10")[0] == ("2026-12-07", ((600, 720), (780, 900)))  # from 10:00, still on
    assert offers_at("2026-12-07T14:40")[0] == ("2026-12-07", ((870, 900),))
    assert offers_at("2026-12-07T14:45")[0] == ("2026-12-07", ((870, 900),))  # 14:30-15:00 is not over yet
    assert offers_at("2026-12-07T15:00")[0][0] == "2026-12-08"  # the line has closed: tomorrow


def test_a_regional_closure_takes_its_hours_away() -> None:
    assert offers_at("2026-07-20T07:00")[0] == ("2026-07-20", ((480, 720),))  # Betriebsversammlung from 12:00


@pytest.mark.parametrize(
    ("start", "end", "holds"),
    [
        ("08:00", "12:00", True),
        ("13:00", "15:00", True),
        ("11:00", "14:00", False),  # over the lunch break
        ("14:30", "15:30", False),  # past closing
        ("07:30", "09:00", False),
        ("08:15", "09:00", False),  # off the half-hour step
    ],
)
def test_a_window_lies_inside_one_stretch_of_hours(start: str, end: str, holds: bool) -> None:
    monday = DayOffer(dt.date(2026, 12, 7), hours=((480, 720), (780, 900)), ranges=((480, 720), (780, 900)))
    start_minutes, end_minutes = minutes_of(start), minutes_of(end)
    assert start_minutes is not None and end_minutes is not None
    assert monday.holds(start_minutes, end_minutes) == holds


@pytest.mark.parametrize("text", ["", "8:00", "24:00", "12:60", "ab:cd", "12-30"])
def test_only_clock_times_are_read(text: str) -> None:
    assert minutes_of(text) is None
