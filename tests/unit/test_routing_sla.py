"""Due times in service time: always the end of a hotline window of the region (see routing/sla.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.loader import load_deployment, parse_deployment
from routing import due_at, is_working_day

BERLIN = ZoneInfo("Europe/Berlin")
EXAMPLE = load_deployment(Path(__file__).parents[2] / "config/examples/rhein-sieg.toml")
SIEGBURG, TROISDORF = EXAMPLE.regions[0], EXAMPLE.regions[1]


def at(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)


def one_region(normal: str, hotline: dict[str, list[str]], **region: Any) -> Any:
    """A deployment of one region ("+49 2241 9000 500") with these hotline hours and `normal` rule."""
    return parse_deployment(
        {
            "timezone": "Europe/Berlin",
            "holidays": {"country": "DE", "subdivision": "NW"},
            "sla": {"urgent": "same_day", "normal": normal},
            "regions": [
                {"id": "only", "name": "Only", "numbers": ["+49 2241 9000 500"], "hours": {"hotline": hotline}} | region
            ],
        }
    )


# (raised, local; urgency; due, with offset) in Siegburg. Its hotline: Mon and Tue 08-12 and 13-15,
# Wed 08-12, Thu 08-12 and 13-18, Fri 08-12; 23.12.2026 only 08-11; closed 20.07.2026 12-16
# (Betriebsversammlung), on Rosenmontag 16.02.2026 and 24.12.2026-01.01.2027 (year-end closure).
SLA_TABLE: list[tuple[str, Any, str]] = [
    # normal: 48 hours on working days from the clock start, due at the end of a hotline window
    ("2026-12-02T01:51", "normal", "2026-12-04T12:00+01:00"),  # Wed night: clock from 08:00, out Fri 08:00
    ("2026-05-06T10:00", "normal", "2026-05-08T12:00+02:00"),  # inside a window: out Fri 10:00, in 08-12
    ("2026-05-06T12:00", "normal", "2026-05-11T12:00+02:00"),  # the moment Wed closes: clock Thu 08:00
    ("2026-05-04T12:30", "normal", "2026-05-06T12:00+02:00"),  # between windows: out Wed 13:00, closed → 12:00
    ("2026-05-04T16:00", "normal", "2026-05-07T12:00+02:00"),  # after the last window: clock Tue 08:00
    ("2026-05-07T14:00", "normal", "2026-05-11T15:00+02:00"),  # Thu afternoon: out Mon 14:00, in 13-15
    ("2026-05-08T10:00", "normal", "2026-05-12T12:00+02:00"),  # across a weekend: Fri → Tue
    ("2026-05-08T14:00", "normal", "2026-05-13T12:00+02:00"),  # Fri after the window: clock Mon 08:00
    ("2026-05-09T10:00", "normal", "2026-05-13T12:00+02:00"),  # Saturday: clock Mon 08:00
    ("2026-04-30T10:00", "normal", "2026-05-05T12:00+02:00"),  # a holiday: Friday 1 May does not count
    ("2026-04-02T10:00", "normal", "2026-04-08T12:00+02:00"),  # Good Friday and Easter Monday
    ("2026-02-13T10:00", "normal", "2026-02-18T12:00+01:00"),  # Rosenmontag closure
    ("2026-12-22T10:00", "normal", "2027-01-04T12:00+01:00"),  # year-end closure, Neujahr, weekend
    ("2026-12-23T11:30", "normal", "2027-01-06T12:00+01:00"),  # after the special hours: clock 04.01. 08:00
    ("2026-12-28T10:00", "normal", "2027-01-06T12:00+01:00"),  # inside the year-end closure
    ("2026-07-20T12:30", "normal", "2026-07-23T12:00+02:00"),  # in the regional closure: clock Tue 08:00
    ("2026-07-16T13:30", "normal", "2026-07-20T12:00+02:00"),  # runs out Mon 13:30, in the closure → 12:00
    # urgent: the end of the day's last hotline window, or of the next day that has one
    ("2026-05-04T10:00", "urgent", "2026-05-04T15:00+02:00"),
    ("2026-05-04T01:00", "urgent", "2026-05-04T15:00+02:00"),  # before the line opens
    ("2026-05-04T12:30", "urgent", "2026-05-04T15:00+02:00"),  # between windows
    ("2026-05-04T14:59", "urgent", "2026-05-04T15:00+02:00"),
    ("2026-05-04T15:00", "urgent", "2026-05-05T15:00+02:00"),  # the moment it closes → Tuesday
    ("2026-05-06T13:00", "urgent", "2026-05-07T18:00+02:00"),  # Wed after 12:00 → Thursday's 13-18
    ("2026-05-08T12:30", "urgent", "2026-05-11T15:00+02:00"),  # Friday after the window → Monday
    ("2026-05-09T10:00", "urgent", "2026-05-11T15:00+02:00"),  # Saturday → Monday
    ("2026-05-23T10:00", "urgent", "2026-05-26T15:00+02:00"),  # Saturday before Whit Monday → Tuesday
    ("2026-06-04T09:00", "urgent", "2026-06-05T12:00+02:00"),  # on Corpus Christi → Friday
    ("2026-02-16T09:00", "urgent", "2026-02-17T15:00+01:00"),  # on Rosenmontag
    ("2026-12-23T10:00", "urgent", "2026-12-23T11:00+01:00"),  # special hours 08-11
    ("2026-12-24T09:00", "urgent", "2027-01-04T15:00+01:00"),  # in the year-end closure
    ("2026-07-20T10:00", "urgent", "2026-07-20T12:00+02:00"),  # the closure takes the afternoon window
    ("2026-07-20T13:00", "urgent", "2026-07-21T15:00+02:00"),  # during the closure → Tuesday
]


@pytest.mark.parametrize(("raised", "urgency", "due"), SLA_TABLE)
def test_due_times_in_siegburg(raised: str, urgency: Any, due: str) -> None:
    result = due_at(at(raised), urgency, SIEGBURG, EXAMPLE)
    assert result.isoformat(timespec="minutes") == due
    assert result.tzinfo == BERLIN


@pytest.mark.parametrize("same_instant", ["2026-05-08T08:00:00Z", "2026-05-08T13:30+05:30", "2026-05-08T00:00-08:00"])
def test_due_at_is_the_same_for_any_utc_offset(same_instant: str) -> None:
    expected = due_at(at("2026-05-08T10:00"), "normal", SIEGBURG, EXAMPLE)
    assert due_at(at(same_instant), "normal", SIEGBURG, EXAMPLE) == expected
    assert due_at(at(same_instant), "urgent", SIEGBURG, EXAMPLE) == at("2026-05-08T12:00")


def test_due_at_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="time zone"):
        due_at(dt.datetime(2026, 5, 8, 10, 0), "normal", SIEGBURG, EXAMPLE)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-05-04", True),  # Monday
        ("2026-05-09", False),  # Saturday
        ("2026-05-10", False),  # Sunday
        ("2026-05-01", False),  # holiday
        ("2026-02-16", False),  # closed all day (deployment-wide)
        ("2026-12-24", False),  # in the year-end closure
        ("2026-12-31", False),
        ("2027-01-04", True),
        ("2026-07-20", True),  # only closed in the afternoon
    ],
)
def test_working_days(day: str, working: bool) -> None:
    assert is_working_day(dt.date.fromisoformat(day), SIEGBURG, EXAMPLE) == working


def test_a_regional_closure_only_stops_its_own_region() -> None:
    deployment = parse_deployment(
        {
            "timezone": "Europe/Berlin",
            "holidays": {"country": "DE", "subdivision": "NW"},
            "sla": {"urgent": "same_day", "normal": "24h"},
            "regions": [
                {
                    "id": "closed",
                    "name": "Closed",
                    "numbers": ["+49 2241 9000 500"],
                    "hours": {"hotline": {day: ["08:00-12:00"] for day in ("mon", "tue", "wed", "thu", "fri")}},
                    "closures": [
                        {"from": "2026-05-05T00:00", "to": "2026-05-05T12:00", "reason": "Umzug"},
                        {"from": "2026-05-05T11:00", "to": "2026-05-06T00:00", "reason": "Umzug"},
                    ],
                },
                {
                    "id": "open",
                    "name": "Open",
                    "numbers": ["+49 2241 9000 501"],
                    "hours": {"hotline": {day: ["08:00-12:00"] for day in ("mon", "tue", "wed", "thu", "fri")}},
                },
            ],
        }
    )
    closed, other = deployment.regions
    tuesday = dt.date(2026, 5, 5)
    assert not is_working_day(tuesday, closed, deployment)  # two overlapping closures cover the day
    assert is_working_day(tuesday, other, deployment)
    monday = at("2026-05-04T10:00")
    assert due_at(monday, "normal", closed, deployment) == at("2026-05-06T12:00")  # 24h run out Wed 10:00
    assert due_at(monday, "normal", other, deployment) == at("2026-05-05T12:00")
    assert due_at(monday, "urgent", closed, deployment) == at("2026-05-04T12:00")
    assert due_at(at("2026-05-04T12:00"), "urgent", closed, deployment) == at("2026-05-06T12:00")
    assert due_at(at("2026-05-04T12:00"), "urgent", other, deployment) == at("2026-05-05T12:00")


def test_troisdorf_shares_the_calendar_of_the_deployment() -> None:
    assert due_at(at("2026-04-30T10:00"), "normal", TROISDORF, EXAMPLE) == at("2026-05-05T12:00")


def test_the_earliest_promise_is_the_end_of_the_window_the_clock_started_in() -> None:
    # Open on Mondays only; 24 hours run out on Tuesday, while the line is closed. The last window
    # before that is the one the clock started in: the promise is earlier than the rule, never later.
    deployment = one_region("24h", {"mon": ["08:00-12:00"]})
    [region] = deployment.regions
    assert due_at(at("2026-05-04T10:00"), "normal", region, deployment) == at("2026-05-04T12:00")
    assert due_at(at("2026-05-04T13:00"), "normal", region, deployment) == at("2026-05-11T12:00")  # clock next Monday


def test_a_region_without_hotline_hours_left_cannot_promise() -> None:
    deployment = one_region(
        "48h",
        {"mon": ["08:00-12:00"]},
        closures=[{"from": "2026-05-01T00:00", "to": "2028-01-01T00:00", "reason": "Umzug"}],
    )
    for urgency in ("normal", "urgent"):
        with pytest.raises(ValueError, match="no hotline hours"):
            due_at(at("2026-05-04T10:00"), urgency, deployment.regions[0], deployment)


def sunday_line(hours: str) -> Any:
    return one_region("48h", {"sun": [hours]})


def test_a_window_ending_in_the_repeated_hour_ends_in_its_second_pass() -> None:
    # 25.10.2026: 00:00-02:30 is open 22:00-00:30 UTC (CEST) and again 01:00-01:30 UTC (CET).
    deployment = sunday_line("00:00-02:30")
    due = due_at(dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC), "urgent", deployment.regions[0], deployment)
    assert due.astimezone(dt.UTC) == dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)


def test_a_window_ending_in_the_spring_gap_ends_where_the_gap_ends() -> None:
    deployment = sunday_line("00:00-02:00")  # 29.03.2026: 02:00 is never read; 03:00 CEST follows 01:59:59 CET
    due = due_at(dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=dt.UTC), "urgent", deployment.regions[0], deployment)
    assert due.astimezone(dt.UTC) == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)
