"""What-if: variants of the hours compared on a hand-built week with known answers."""

from __future__ import annotations

import math

import pytest

from config.deployment import MINUTES_PER_DAY, WEEKDAYS, WeeklyHours
from config.loader import parse_weekly_hours
from planning.demand import WeeklyDemand
from planning.what_if import VariantOutcome, compare, covered_fractions

SLOT = 30


def per_three(demand: float) -> int:
    """A stand-in for Erlang C: one counsellor for every three callers started."""
    return math.ceil(demand / 3)


def week(cells: dict[tuple[int, str], float]) -> WeeklyDemand:
    """(weekday, "HH:MM" start of a 30-minute slot) → callers a week; every other slot 0."""
    rows = [[0.0] * (MINUTES_PER_DAY // SLOT) for _ in WEEKDAYS]
    for (day, clock), value in cells.items():
        hour, minute = map(int, clock.split(":"))
        rows[day][(hour * 60 + minute) // SLOT] = value
    return WeeklyDemand(SLOT, tuple(tuple(row) for row in rows))


DEMAND = week({(0, "08:00"): 6.0, (0, "08:30"): 3.0, (1, "10:00"): 9.0})


def hours(**days: list[str]) -> WeeklyHours:
    return parse_weekly_hours(days)


def test_each_variant_is_scored_on_the_same_demand_in_the_order_given() -> None:
    outcomes = compare(
        DEMAND,
        {
            "current": hours(mon=["08:00-09:00"]),
            "tuesday": hours(tue=["10:00-11:00"]),
            "both": hours(mon=["08:00-09:00"], tue=["09:00-12:00"]),
        },
        closed_callback_rate=0.5,
        agents_needed=per_three,
    )
    assert outcomes == [
        # Monday's 6 + 3 callers reach the line; 2 then 1 counsellors for half an hour each
        VariantOutcome("current", 9.0, 9.0, 4.5, 1.0, 1.5),
        # Tuesday 10:00 needs 3 counsellors for its half hour; 10:30 has no callers and needs none
        VariantOutcome("tuesday", 9.0, 9.0, 4.5, 1.0, 1.5),
        VariantOutcome("both", 18.0, 0.0, 0.0, 4.0, 3.0),
    ]
    assert [outcome.open_share for outcome in outcomes] == [0.5, 0.5, 1.0]


def test_a_partly_covered_slot_counts_by_the_covered_fraction() -> None:
    (outcome,) = compare(
        DEMAND, {"quarter past": hours(mon=["08:15-08:45"])}, closed_callback_rate=1.0, agents_needed=per_three
    )
    # half of each Monday slot: 3 + 1.5 callers reach the line; 2 and 1 counsellors for 15 minutes each
    assert outcome == VariantOutcome("quarter past", 4.5, 13.5, 13.5, 0.5, 0.75)


def test_closed_hours_raise_callbacks_at_the_given_rate() -> None:
    (closed,) = compare(DEMAND, {"closed": hours()}, closed_callback_rate=0.25, agents_needed=per_three)
    assert closed == VariantOutcome("closed", 0.0, 18.0, 4.5, 0.0, 0.0)
    assert closed.open_share == 0.0


def test_open_slots_without_callers_still_cost_what_the_staffing_rule_says() -> None:
    (outcome,) = compare(
        DEMAND,
        {"evening": hours(wed=["18:00-20:00"])},
        closed_callback_rate=0.0,
        agents_needed=lambda demand: max(1, per_three(demand)),
    )
    assert (outcome.open_hours, outcome.counsellor_hours) == (2.0, 2.0)


def test_covered_fractions_of_ranges_off_the_slot_grid() -> None:
    fractions = covered_fractions(hours(fri=["08:10-08:30", "08:40-09:05", "23:50-24:00"]), SLOT)
    assert fractions[4][16:19] == pytest.approx([20 / 30, 20 / 30, 5 / 30])
    assert fractions[4][47] == pytest.approx(10 / 30)
    assert sum(map(sum, fractions)) == pytest.approx(55 / 30)


@pytest.mark.parametrize("rate", [-0.1, 1.5, math.nan])
def test_a_callback_rate_outside_zero_to_one_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match=r"closed_callback_rate: .* is not a share between 0 and 1"):
        compare(DEMAND, {}, closed_callback_rate=rate, agents_needed=per_three)
