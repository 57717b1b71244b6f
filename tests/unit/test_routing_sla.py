"""Due times on the working-day calendar: "same_day" for urgent, "48h" working hours for normal."""

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


# (raised, local; urgency; due, with offset) in Siegburg
SLA_TABLE: list[tuple[str, Any, str]] = [
    # normal: 48 hours counted on working days only
    ("2026-05-08T10:00", "normal", "2026-05-12T10:00+02:00"),  # Friday → Tuesday
    ("2026-05-06T10:00", "normal", "2026-05-08T10:00+02:00"),  # Wednesday → Friday
    ("2026-04-30T10:00", "normal", "2026-05-05T10:00+02:00"),  # Friday 1 May is a holiday
    ("2026-04-02T10:00", "normal", "2026-04-08T10:00+02:00"),  # Good Friday and Easter Monday
    ("2026-05-09T10:00", "normal", "2026-05-13T00:00+02:00"),  # Saturday: counting starts Monday 00:00
    ("2026-02-13T10:00", "normal", "2026-02-18T10:00+01:00"),  # Rosenmontag closure
    ("2026-12-22T10:00", "normal", "2027-01-04T10:00+01:00"),  # year-end closure, Neujahr, weekend
    ("2026-07-20T10:00", "normal", "2026-07-22T10:00+02:00"),  # a part-day closure still counts
    # urgent: day_end (18:00) of the working day raised, or of the next one
    ("2026-05-04T10:00", "urgent", "2026-05-04T18:00+02:00"),
    ("2026-05-04T17:59", "urgent", "2026-05-04T18:00+02:00"),
    ("2026-05-04T18:00", "urgent", "2026-05-05T18:00+02:00"),
    ("2026-05-04T18:30", "urgent", "2026-05-05T18:00+02:00"),  # Monday after day_end → Tuesday
    ("2026-05-08T18:30", "urgent", "2026-05-11T18:00+02:00"),  # Friday after day_end → Monday
    ("2026-05-09T10:00", "urgent", "2026-05-11T18:00+02:00"),  # Saturday → Monday
    ("2026-05-23T10:00", "urgent", "2026-05-26T18:00+02:00"),  # Saturday before Whit Monday → Tuesday
    ("2026-06-04T09:00", "urgent", "2026-06-05T18:00+02:00"),  # on Corpus Christi
    ("2026-02-16T09:00", "urgent", "2026-02-17T18:00+01:00"),  # on Rosenmontag
    ("2026-12-24T09:00", "urgent", "2027-01-04T18:00+01:00"),  # in the year-end closure
    ("2026-07-20T13:00", "urgent", "2026-07-20T18:00+02:00"),  # during a part-day closure
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
    assert due_at(at(same_instant), "urgent", SIEGBURG, EXAMPLE) == at("2026-05-08T18:00")


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
            "sla": {"urgent": "same_day", "normal": "24h", "day_end": "16:00"},
            "regions": [
                {
                    "id": "closed",
                    "name": "Closed",
                    "numbers": ["+49 2241 9000 500"],
                    "hours": {"hotline": {"mon": ["08:00-12:00"]}},
                    "closures": [
                        {"from": "2026-05-05T00:00", "to": "2026-05-05T12:00", "reason": "Umzug"},
                        {"from": "2026-05-05T11:00", "to": "2026-05-06T00:00", "reason": "Umzug"},
                    ],
                },
                {
                    "id": "open",
                    "name": "Open",
                    "numbers": ["+49 2241 9000 501"],
                    "hours": {"hotline": {"mon": ["08:00-12:00"]}},
                },
            ],
        }
    )
    closed, other = deployment.regions
    tuesday = dt.date(2026, 5, 5)
    assert not is_working_day(tuesday, closed, deployment)  # two overlapping closures cover the day
    assert is_working_day(tuesday, other, deployment)
    monday = at("2026-05-04T10:00")
    assert due_at(monday, "normal", closed, deployment) == at("2026-05-06T10:00")
    assert due_at(monday, "normal", other, deployment) == at("2026-05-05T10:00")
    assert due_at(monday, "urgent", closed, deployment) == at("2026-05-04T16:00")
    assert due_at(at("2026-05-04T16:00"), "urgent", closed, deployment) == at("2026-05-06T16:00")


def test_troisdorf_shares_the_calendar_of_the_deployment() -> None:
    assert due_at(at("2026-04-30T10:00"), "normal", TROISDORF, EXAMPLE) == at("2026-05-05T10:00")
