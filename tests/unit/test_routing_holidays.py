"""Every public holiday of 2026 and 2027 in North Rhine-Westphalia, and a state that lacks some."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.deployment import Deployment
from config.loader import load_deployment, parse_deployment
from routing import decide, is_working_day

BERLIN = ZoneInfo("Europe/Berlin")
NUMBER = "+4922419000500"
EXAMPLE = load_deployment(Path(__file__).parents[2] / "config/examples/rhein-sieg.toml")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def office_hours(subdivision: str) -> Deployment:
    """Monday to Friday 08:00-12:00, no closures: only holidays close the line."""
    raw = {
        "timezone": "Europe/Berlin",
        "holidays": {"country": "DE", "subdivision": subdivision},
        "sla": {"urgent": "same_day", "normal": "48h"},
        "regions": [
            {
                "id": "office",
                "name": "Office",
                "numbers": ["+49 2241 9000 500"],
                "hours": {"hotline": {day: ["08:00-12:00"] for day in ("mon", "tue", "wed", "thu", "fri")}},
            }
        ],
    }
    return parse_deployment(raw)


NW = office_hours("NW")

# (date, weekday, name, next opening of Mon-Fri 08:00-12:00 hours) - written out from the
# calendar, not taken from the holidays package, so a change there shows up here.
NW_HOLIDAYS = [
    ("2026-01-01", "Thu", "Neujahr", "2026-01-02T08:00+01:00"),
    ("2026-04-03", "Fri", "Karfreitag", "2026-04-07T08:00+02:00"),
    ("2026-04-06", "Mon", "Ostermontag", "2026-04-07T08:00+02:00"),
    ("2026-05-01", "Fri", "Erster Mai", "2026-05-04T08:00+02:00"),
    ("2026-05-14", "Thu", "Christi Himmelfahrt", "2026-05-15T08:00+02:00"),
    ("2026-05-25", "Mon", "Pfingstmontag", "2026-05-26T08:00+02:00"),
    ("2026-06-04", "Thu", "Fronleichnam", "2026-06-05T08:00+02:00"),
    ("2026-10-03", "Sat", "Tag der Deutschen Einheit", "2026-10-05T08:00+02:00"),
    ("2026-11-01", "Sun", "Allerheiligen", "2026-11-02T08:00+01:00"),
    ("2026-12-25", "Fri", "Erster Weihnachtstag", "2026-12-28T08:00+01:00"),
    ("2026-12-26", "Sat", "Zweiter Weihnachtstag", "2026-12-28T08:00+01:00"),
    ("2027-01-01", "Fri", "Neujahr", "2027-01-04T08:00+01:00"),
    ("2027-03-26", "Fri", "Karfreitag", "2027-03-30T08:00+02:00"),
    ("2027-03-29", "Mon", "Ostermontag", "2027-03-30T08:00+02:00"),
    ("2027-05-01", "Sat", "Erster Mai", "2027-05-03T08:00+02:00"),
    ("2027-05-06", "Thu", "Christi Himmelfahrt", "2027-05-07T08:00+02:00"),
    ("2027-05-17", "Mon", "Pfingstmontag", "2027-05-18T08:00+02:00"),
    ("2027-05-27", "Thu", "Fronleichnam", "2027-05-28T08:00+02:00"),
    ("2027-10-03", "Sun", "Tag der Deutschen Einheit", "2027-10-04T08:00+02:00"),
    ("2027-11-01", "Mon", "Allerheiligen", "2027-11-02T08:00+01:00"),
    ("2027-12-25", "Sat", "Erster Weihnachtstag", "2027-12-27T08:00+01:00"),
    ("2027-12-26", "Sun", "Zweiter Weihnachtstag", "2027-12-27T08:00+01:00"),
]


def at(day: str, clock: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


@pytest.mark.parametrize(("day", "weekday", "name", "opens"), NW_HOLIDAYS)
def test_every_nw_holiday_closes_the_whole_day(day: str, weekday: str, name: str, opens: str) -> None:
    assert WEEKDAYS[dt.date.fromisoformat(day).weekday()] == weekday  # the table agrees with the calendar
    for clock in ("00:00", "08:00", "10:00", "11:59", "23:59"):
        decision = decide(NUMBER, at(day, clock), NW)
        assert (decision.open, decision.reason, decision.detail) == (False, "holiday", name)
        assert decision.next_opening is not None
        assert decision.next_opening.isoformat(timespec="minutes") == opens
        assert decision.closes_at is None
    assert not is_working_day(dt.date.fromisoformat(day), NW.regions[0], NW)


def test_the_table_holds_every_nw_holiday_and_no_other() -> None:
    listed = {dt.date.fromisoformat(day) for day, *_ in NW_HOLIDAYS}
    day = dt.date(2026, 1, 1)
    while day.year < 2028:
        expected_open = day.weekday() < 5 and day not in listed
        assert decide(NUMBER, at(day.isoformat()), NW).open == expected_open, day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "name"),
    [("2026-12-25", "Erster Weihnachtstag"), ("2026-12-26", "Zweiter Weihnachtstag")],
)
def test_a_closure_beats_a_holiday(day: str, name: str) -> None:
    decision = decide("+4922419000100", at(day), EXAMPLE)
    assert (decision.reason, decision.detail) == ("closure", "Betriebsruhe zum Jahreswechsel")
    assert decide(NUMBER, at(day), NW).detail == name


@pytest.mark.parametrize("subdivision", ["BE", "NI"])
@pytest.mark.parametrize("day", ["2026-06-04", "2027-05-27", "2027-11-01"])
def test_corpus_christi_and_all_saints_are_working_days_elsewhere(subdivision: str, day: str) -> None:
    deployment = office_hours(subdivision)
    decision = decide(NUMBER, at(day), deployment)
    assert (decision.open, decision.reason) == (True, None)
    assert is_working_day(dt.date.fromisoformat(day), deployment.regions[0], deployment)


def test_corpus_christi_is_closed_in_nw() -> None:
    assert decide(NUMBER, at("2026-06-04"), NW).reason == "holiday"
    assert decide(NUMBER, at("2026-06-05"), NW).open
