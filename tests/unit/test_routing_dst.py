"""Hours are local wall-clock time: exact on the Sundays the clocks change (2026 and 2027)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.loader import load_deployment, parse_deployment
from routing import decide, due_at, hours_per_week, is_open, next_opening, next_window

BERLIN = ZoneInfo("Europe/Berlin")
NUMBER = "+4922419000500"
EXAMPLE = load_deployment(Path(__file__).parents[2] / "config/examples/rhein-sieg.toml")

# A night line: open Sunday 01:00-04:00 across the change, and Monday mornings. Counselling sits
# exactly on the changing hour; appointments on half of it.
NIGHT = parse_deployment(
    {
        "timezone": "Europe/Berlin",
        "holidays": {"country": "DE", "subdivision": "NW"},
        "sla": {"urgent": "same_day", "normal": "48h"},
        "regions": [
            {
                "id": "night",
                "name": "Night line",
                "numbers": ["+49 2241 9000 500"],
                "hours": {
                    "hotline": {"sun": ["01:00-04:00"], "mon": ["08:00-12:00"]},
                    "counselling": {"sun": ["02:00-03:00"]},
                    "appointments": {"sun": ["02:00-02:30"]},
                },
            }
        ],
    }
)
REGION = NIGHT.regions[0]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="minutes")


# (now with its offset, open, next_opening, closes_at)
HOTLINE_TABLE = [
    # spring 2026: 02:00 CET becomes 03:00 CEST on Sunday 29 March
    ("2026-03-28T10:00+01:00", False, "2026-03-29T01:00+01:00", None),
    ("2026-03-29T00:30+01:00", False, "2026-03-29T01:00+01:00", None),
    ("2026-03-29T01:30+01:00", True, None, "2026-03-29T04:00+02:00"),
    ("2026-03-29T03:00+02:00", True, None, "2026-03-29T04:00+02:00"),
    ("2026-03-29T05:00+02:00", False, "2026-03-30T08:00+02:00", None),
    # spring 2027 falls on Easter Sunday; Easter Monday is a holiday
    ("2027-03-27T10:00+01:00", False, "2027-03-28T01:00+01:00", None),
    ("2027-03-28T01:59+01:00", True, None, "2027-03-28T04:00+02:00"),
    ("2027-03-28T05:00+02:00", False, "2027-04-04T01:00+02:00", None),
    # autumn 2026: 03:00 CEST becomes 02:00 CET on Sunday 25 October
    ("2026-10-24T10:00+02:00", False, "2026-10-25T01:00+02:00", None),
    ("2026-10-25T01:30+02:00", True, None, "2026-10-25T04:00+01:00"),
    ("2026-10-25T02:30+02:00", True, None, "2026-10-25T04:00+01:00"),
    ("2026-10-25T02:30+01:00", True, None, "2026-10-25T04:00+01:00"),
    ("2026-10-25T05:00+01:00", False, "2026-10-26T08:00+01:00", None),
    # autumn 2027: Sunday 31 October; Monday 1 November is All Saints
    ("2027-10-30T10:00+02:00", False, "2027-10-31T01:00+02:00", None),
    ("2027-10-31T02:59+01:00", True, None, "2027-10-31T04:00+01:00"),
    ("2027-10-31T05:00+01:00", False, "2027-11-07T01:00+01:00", None),
]


@pytest.mark.parametrize(("now", "open_", "opens", "closes"), HOTLINE_TABLE)
def test_hotline_across_clock_changes(now: str, open_: bool, opens: str | None, closes: str | None) -> None:
    decision = decide(NUMBER, at(now), NIGHT)
    assert (decision.open, iso(decision.next_opening), iso(decision.closes_at)) == (open_, opens, closes)


@pytest.mark.parametrize(
    ("sunday", "hours"),
    [("2026-03-29", 2), ("2027-03-28", 2), ("2026-10-25", 4), ("2027-10-31", 4)],
)
def test_a_night_opening_lasts_its_real_length(sunday: str, hours: int) -> None:
    window = next_window(REGION, "hotline", at(f"{sunday}T00:30+00:00"), NIGHT)
    assert window is not None
    assert window[1] - window[0] == dt.timedelta(hours=3)  # wall-clock difference, same zone
    assert window[1].timestamp() - window[0].timestamp() == hours * 3600


@pytest.mark.parametrize("saturday", ["2026-03-28T12:00+01:00", "2027-03-27T12:00+01:00"])
def test_an_hour_that_does_not_exist_never_opens(saturday: str) -> None:
    window = next_window(REGION, "counselling", at(saturday), NIGHT)
    assert window is not None
    assert window[0] - at(saturday) > dt.timedelta(days=7)
    assert window[0].utcoffset() == dt.timedelta(hours=2)


def test_the_missing_hour_is_closed_on_both_sides_of_the_gap() -> None:
    assert not is_open(REGION, "counselling", at("2026-03-29T01:59:59+01:00"), NIGHT)
    assert not is_open(REGION, "counselling", at("2026-03-29T03:00+02:00"), NIGHT)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-10-25T01:00+02:00", ("2026-10-25T02:00+02:00", "2026-10-25T03:00+01:00")),
        ("2027-10-31T02:15+01:00", ("2027-10-31T02:00+02:00", "2027-10-31T03:00+01:00")),
    ],
)
def test_a_repeated_hour_opens_for_both_passes(now: str, expected: tuple[str, str]) -> None:
    window = next_window(REGION, "counselling", at(now), NIGHT)
    assert window is not None
    assert (iso(window[0]), iso(window[1])) == expected


@pytest.mark.parametrize(
    ("now", "open_", "opens"),
    [
        ("2026-10-25T01:50+02:00", False, "2026-10-25T02:00+02:00"),
        ("2026-10-25T02:10+02:00", True, "2026-10-25T02:10+02:00"),
        ("2026-10-25T02:45+02:00", False, "2026-10-25T02:00+01:00"),  # the wall clock will read 02:00 again
        ("2026-10-25T02:10+01:00", True, "2026-10-25T02:10+01:00"),
        ("2026-10-25T02:45+01:00", False, "2026-11-08T02:00+01:00"),  # 1 November is a holiday
    ],
)
def test_half_of_a_repeated_hour(now: str, open_: bool, opens: str) -> None:
    assert is_open(REGION, "appointments", at(now), NIGHT) == open_
    assert iso(next_opening(REGION, "appointments", at(now), NIGHT)) == opens


def test_hours_per_week_ignore_clock_changes() -> None:
    assert hours_per_week(REGION) == {"hotline": 7.0, "counselling": 1.0, "appointments": 0.5}


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        ("2026-03-27T12:30+01:00", "2026-03-30T08:00+02:00"),
        ("2026-10-23T12:30+02:00", "2026-10-26T08:00+01:00"),
        ("2027-03-26T10:00+01:00", "2027-03-30T08:00+02:00"),
        ("2027-10-29T12:30+02:00", "2027-11-02T08:00+01:00"),
    ],
)
def test_siegburg_reopens_with_the_new_offset(now: str, opens: str) -> None:
    decision = decide("+4922419000100", at(now), EXAMPLE)
    assert (decision.open, iso(decision.next_opening)) == (False, opens)


def test_48_working_hours_are_wall_clock_hours_across_the_change() -> None:
    # The hours run out on Tuesday at 10:00 by the wall clock, inside the window 08:00-12:00.
    due = due_at(at("2026-03-27T10:00+01:00"), "normal", EXAMPLE.regions[0], EXAMPLE)
    assert iso(due) == "2026-03-31T12:00+02:00"
    due = due_at(at("2026-10-23T10:00+02:00"), "normal", EXAMPLE.regions[0], EXAMPLE)
    assert iso(due) == "2026-10-27T12:00+01:00"
