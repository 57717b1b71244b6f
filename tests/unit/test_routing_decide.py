"""`decide` on the example deployment and small custom ones: closures, special hours, numbers, offsets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.deployment import Deployment
from config.loader import load_deployment, parse_deployment
from routing import (
    Decision,
    UnknownNumber,
    decide,
    decision_as_json,
    find_region,
    hours_per_week,
    is_open,
    next_opening,
    next_window,
    open_ranges,
)

BERLIN = ZoneInfo("Europe/Berlin")
EXAMPLE = load_deployment(Path(__file__).parents[2] / "config/examples/rhein-sieg.toml")
SIEGBURG = "+4922419000100"
EITORF = "+4922439000400"
OPEN_OFFERS = ("queue", "callback", "voicemail")
CLOSED_OFFERS = ("callback", "voicemail", "counselling_link")


def at(text: str) -> dt.datetime:
    """A local time in Berlin, or any ISO time with its own offset."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="minutes")


def deployment_with(hotline: dict[str, list[str]], **region: Any) -> Deployment:
    """One region "test" on +49 2241 9000 500 with these hotline hours, NW holidays, no global closures."""
    raw = {
        "timezone": "Europe/Berlin",
        "holidays": {"country": "DE", "subdivision": "NW"},
        "sla": {"urgent": "same_day", "normal": "48h"},
        "regions": [
            {"id": "test", "name": "Test", "numbers": ["+49 2241 9000 500"], "hours": {"hotline": hotline}, **region}
        ],
    }
    return parse_deployment(raw)


# (local time at Siegburg, open, reason, detail, next_opening, closes_at)
SIEGBURG_TABLE = [
    ("2026-03-02T09:00", True, None, None, None, "2026-03-02T12:00+01:00"),
    ("2026-03-02T12:30", False, "outside_hours", None, "2026-03-02T13:00+01:00", None),
    ("2026-03-06T12:00", False, "outside_hours", None, "2026-03-09T08:00+01:00", None),
    ("2026-07-20T11:59", True, None, None, None, "2026-07-20T12:00+02:00"),
    ("2026-07-20T12:00", False, "closure", "Betriebsversammlung", "2026-07-21T08:00+02:00", None),
    ("2026-07-20T13:30", False, "closure", "Betriebsversammlung", "2026-07-21T08:00+02:00", None),
    ("2026-07-20T15:30", False, "closure", "Betriebsversammlung", "2026-07-21T08:00+02:00", None),
    ("2026-07-20T16:00", False, "outside_hours", None, "2026-07-21T08:00+02:00", None),
    ("2026-12-23T10:59", True, None, None, None, "2026-12-23T11:00+01:00"),
    ("2026-12-23T11:00", False, "outside_hours", None, "2027-01-04T08:00+01:00", None),
    ("2026-12-24T10:00", False, "closure", "Betriebsruhe zum Jahreswechsel", "2027-01-04T08:00+01:00", None),
    ("2026-12-31T23:59", False, "closure", "Betriebsruhe zum Jahreswechsel", "2027-01-04T08:00+01:00", None),
    ("2027-01-01T10:00", False, "holiday", "Neujahr", "2027-01-04T08:00+01:00", None),
    ("2027-01-02T10:00", False, "outside_hours", None, "2027-01-04T08:00+01:00", None),
    ("2026-02-16T10:00", False, "closure", "Rosenmontag", "2026-02-17T08:00+01:00", None),
    ("2026-02-15T23:59", False, "outside_hours", None, "2026-02-17T08:00+01:00", None),
    ("2026-02-17T08:00", True, None, None, None, "2026-02-17T12:00+01:00"),
]


@pytest.mark.parametrize(("local", "is_open_", "reason", "detail", "opens", "closes"), SIEGBURG_TABLE)
def test_siegburg_decisions_through_the_year(
    local: str, is_open_: bool, reason: str | None, detail: str | None, opens: str | None, closes: str | None
) -> None:
    decision = decide(SIEGBURG, at(local), EXAMPLE)
    assert decision.region.id == "siegburg"
    assert (decision.open, decision.reason, decision.detail) == (is_open_, reason, detail)
    assert (iso(decision.next_opening), iso(decision.closes_at)) == (opens, closes)
    assert decision.offers == (OPEN_OFFERS if is_open_ else CLOSED_OFFERS)


def test_decision_as_json_has_the_documented_shape() -> None:
    decision = decide(SIEGBURG, at("2027-01-01T10:00"), EXAMPLE)
    assert decision_as_json(decision) == {
        "region": "siegburg",
        "open": False,
        "reason": "holiday",
        "detail": "Neujahr",
        "next_opening": "2027-01-04T08:00:00+01:00",
        "closes_at": None,
        "offers": ["callback", "voicemail", "counselling_link"],
    }


def test_decision_as_json_when_open_gives_closes_at_with_seconds() -> None:
    decision = decide(SIEGBURG, at("2026-07-20T11:59"), EXAMPLE)
    assert decision_as_json(decision) == {
        "region": "siegburg",
        "open": True,
        "reason": None,
        "detail": None,
        "next_opening": None,
        "closes_at": "2026-07-20T12:00:00+02:00",
        "offers": ["queue", "callback", "voicemail"],
    }


@pytest.mark.parametrize(
    "same_instant",
    [
        "2026-07-20T11:30:00+02:00",
        "2026-07-20T09:30:00Z",
        "2026-07-20T09:30:00+00:00",
        "2026-07-20T15:00:00+05:30",
        "2026-07-20T01:30:00-08:00",
    ],
)
def test_any_utc_offset_gives_the_same_decision(same_instant: str) -> None:
    expected = decide(SIEGBURG, at("2026-07-20T11:30"), EXAMPLE)
    decision = decide(SIEGBURG, dt.datetime.fromisoformat(same_instant), EXAMPLE)
    assert decision == expected
    assert decision_as_json(decision) == decision_as_json(expected)
    assert decision.closes_at is not None
    assert decision.closes_at.tzinfo == BERLIN


@pytest.mark.parametrize(
    "same_instant", ["2026-12-24T09:00:00Z", "2026-12-24T14:30:00+05:30", "2026-12-24T01:00-08:00"]
)
def test_any_utc_offset_gives_the_same_closed_decision(same_instant: str) -> None:
    expected = decide(SIEGBURG, at("2026-12-24T10:00"), EXAMPLE)
    assert decide(SIEGBURG, dt.datetime.fromisoformat(same_instant), EXAMPLE) == expected


def test_closed_region_without_counselling_offers_no_counselling_link() -> None:
    decision = decide(EITORF, at("2026-03-02T20:00"), EXAMPLE)
    assert decision.offers == ("callback", "voicemail")


@pytest.mark.parametrize(
    ("dialled", "region_id"),
    [
        ("+4922419000100", "siegburg"),
        ("+49 2241 9000 100", "siegburg"),
        ("0049 2241 9000100", "siegburg"),
        ("02241 9000 200", "troisdorf"),
        ("+49 (0)2241 9000 201", "troisdorf"),
        ("(02226) 9000-300", "rheinbach"),
    ],
)
def test_numbers_in_any_notation_find_their_region(dialled: str, region_id: str) -> None:
    assert find_region(dialled, EXAMPLE).id == region_id
    assert decide(dialled, at("2026-03-02T09:00"), EXAMPLE).region.id == region_id


@pytest.mark.parametrize("dialled", ["+4922419000999", "02241 9000 999", "not a number", ""])
def test_unknown_number_raises_unknown_number(dialled: str) -> None:
    with pytest.raises(UnknownNumber):
        decide(dialled, at("2026-03-02T09:00"), EXAMPLE)
    with pytest.raises(LookupError):
        find_region(dialled, EXAMPLE)


def test_unknown_number_message_names_the_number() -> None:
    with pytest.raises(UnknownNumber, match=r"\+4922419000999"):
        find_region("02241 9000 999", EXAMPLE)


def test_naive_now_is_refused() -> None:
    region = EXAMPLE.regions[0]
    naive = dt.datetime(2026, 3, 2, 9, 0)
    with pytest.raises(ValueError, match="time zone"):
        decide(SIEGBURG, naive, EXAMPLE)
    with pytest.raises(ValueError, match="time zone"):
        is_open(region, "hotline", naive, EXAMPLE)
    with pytest.raises(ValueError, match="time zone"):
        next_opening(region, "counselling", naive, EXAMPLE)


def test_hours_per_week_sums_the_weekly_intervals() -> None:
    siegburg, troisdorf = EXAMPLE.regions[0], EXAMPLE.regions[1]
    assert hours_per_week(siegburg) == {"hotline": 29.0, "counselling": 6.0}
    assert hours_per_week(troisdorf) == {"hotline": 27.0, "appointments": 36.0, "counselling": 4.0}


def test_adjacent_intervals_make_one_opening() -> None:
    deployment = deployment_with({"mon": ["08:00-12:00", "12:00-14:00"]})
    decision = decide("+4922419000500", at("2026-03-02T11:00"), deployment)
    assert iso(decision.closes_at) == "2026-03-02T14:00+01:00"


def test_an_opening_runs_on_across_midnight() -> None:
    deployment = deployment_with({"mon": ["20:00-24:00"], "tue": ["00:00-02:00", "08:00-09:00"]})
    region = deployment.regions[0]
    decision = decide("+4922419000500", at("2026-03-02T23:00"), deployment)
    assert iso(decision.closes_at) == "2026-03-03T02:00+01:00"
    window = next_window(region, "hotline", at("2026-03-03T01:00"), deployment)
    assert window is not None
    assert (iso(window[0]), iso(window[1])) == ("2026-03-02T20:00+01:00", "2026-03-03T02:00+01:00")


def test_a_closure_cuts_an_opening_short() -> None:
    deployment = deployment_with(
        {"mon": ["20:00-24:00"], "tue": ["00:00-02:00"]},
        closures=[{"from": "2026-03-03T01:00", "to": "2026-03-03T03:00", "reason": "Wartung"}],
    )
    decision = decide("+4922419000500", at("2026-03-02T23:00"), deployment)
    assert iso(decision.closes_at) == "2026-03-03T01:00+01:00"
    later = decide("+4922419000500", at("2026-03-03T01:30"), deployment)
    assert (later.open, later.reason, later.detail) == (False, "closure", "Wartung")
    assert iso(later.next_opening) == "2026-03-09T20:00+01:00"


def test_special_hours_do_not_open_a_holiday_or_a_closure() -> None:
    deployment = deployment_with(
        {"fri": ["08:00-12:00"]},
        closures=[{"date": "2026-05-08", "reason": "Umzug"}],
        special_hours=[
            {"date": "2026-05-01", "hotline": ["08:00-18:00"]},
            {"date": "2026-05-08", "hotline": ["08:00-18:00"]},
            {"date": "2026-05-15", "hotline": []},
        ],
    )
    holiday = decide("+4922419000500", at("2026-05-01T10:00"), deployment)
    assert (holiday.open, holiday.reason, holiday.detail) == (False, "holiday", "Erster Mai")
    closure = decide("+4922419000500", at("2026-05-08T10:00"), deployment)
    assert (closure.open, closure.reason, closure.detail) == (False, "closure", "Umzug")
    closed_day = decide("+4922419000500", at("2026-05-15T10:00"), deployment)
    assert (closed_day.open, closed_day.reason, closed_day.detail) == (False, "outside_hours", None)
    assert iso(closed_day.next_opening) == "2026-05-22T08:00+02:00"


def test_special_hours_replace_only_their_channel() -> None:
    deployment = deployment_with(
        {"wed": ["08:00-12:00"]},
        hours={"hotline": {"wed": ["08:00-12:00"]}, "counselling": {"wed": ["08:00-12:00"]}},
        special_hours=[{"date": "2026-12-23", "hotline": ["08:00-09:00"]}],
    )
    region = deployment.regions[0]
    assert not is_open(region, "hotline", at("2026-12-23T10:00"), deployment)
    assert is_open(region, "counselling", at("2026-12-23T10:00"), deployment)


def test_a_line_that_never_opens_has_no_next_opening() -> None:
    deployment = deployment_with({})
    decision = decide("+4922419000500", at("2026-03-02T10:00"), deployment)
    assert (decision.open, decision.reason, decision.next_opening) == (False, "outside_hours", None)
    assert decision.offers == ("callback", "voicemail")


def test_next_opening_is_searched_beyond_half_a_year() -> None:
    deployment = deployment_with({}, special_hours=[{"date": "2027-02-01", "hotline": ["09:00-10:00"]}])
    decision = decide("+4922419000500", at("2026-03-02T10:00"), deployment)
    assert iso(decision.next_opening) == "2027-02-01T09:00+01:00"


@pytest.mark.parametrize(
    ("channel", "local", "expected"),
    [
        ("counselling", "2026-03-03T10:00", ("2026-03-07T09:00+01:00", "2026-03-07T12:00+01:00")),
        ("counselling", "2026-03-07T10:00", ("2026-03-07T09:00+01:00", "2026-03-07T12:00+01:00")),
        ("counselling", "2026-03-07T12:00", ("2026-03-09T16:00+01:00", "2026-03-09T19:00+01:00")),
        ("hotline", "2026-03-05T12:30", ("2026-03-05T13:00+01:00", "2026-03-05T18:00+01:00")),
        ("appointments", "2026-03-02T09:00", None),
    ],
)
def test_next_window_for_each_channel(channel: Any, local: str, expected: tuple[str, str] | None) -> None:
    window = next_window(EXAMPLE.regions[0], channel, at(local), EXAMPLE)
    assert (None if window is None else (iso(window[0]), iso(window[1]))) == expected


def test_channels_have_their_own_hours() -> None:
    troisdorf = EXAMPLE.regions[1]
    thursday_five = at("2026-03-05T17:00")
    assert not is_open(troisdorf, "hotline", thursday_five, EXAMPLE)
    assert is_open(troisdorf, "appointments", thursday_five, EXAMPLE)
    assert not is_open(troisdorf, "counselling", thursday_five, EXAMPLE)
    assert iso(next_opening(troisdorf, "counselling", thursday_five, EXAMPLE)) == "2026-03-05T18:00+01:00"


def test_next_opening_is_now_while_open() -> None:
    now = dt.datetime.fromisoformat("2026-03-02T08:30:00Z")
    opening = next_opening(EXAMPLE.regions[0], "hotline", now, EXAMPLE)
    assert opening == now
    assert opening is not None
    assert opening.tzinfo == BERLIN


def test_decision_is_a_frozen_value() -> None:
    decision = decide(SIEGBURG, at("2026-03-02T09:00"), EXAMPLE)
    assert isinstance(decision, Decision)
    with pytest.raises(AttributeError):
        decision.open = False  # type: ignore[misc]


def test_open_ranges_of_a_day_after_special_hours_holidays_and_closures() -> None:
    siegburg = EXAMPLE.regions[0]
    ranges = {
        day: open_ranges(siegburg, "hotline", dt.date.fromisoformat(day), EXAMPLE)
        for day in ("2026-12-07", "2026-12-04", "2026-12-23", "2026-12-28", "2026-12-05", "2026-07-20", "2026-05-01")
    }
    assert ranges == {
        "2026-12-07": ((480, 720), (780, 900)),  # Monday
        "2026-12-04": ((480, 720),),  # Friday
        "2026-12-23": ((480, 660),),  # special hours
        "2026-12-28": (),  # the year-end closure
        "2026-12-05": (),  # Saturday
        "2026-07-20": ((480, 720),),  # closed from 12:00 for the Betriebsversammlung
        "2026-05-01": (),  # a public holiday
    }
