"""The hours planner: optimal against a brute force on small grids, hand cases, the pasted block."""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.deployment import MINUTES_PER_DAY, WEEKDAYS, DayRanges, TimeRange, WeeklyHours
from config.issues import ConfigError
from config.loader import parse_weekly_hours
from planning.demand import WeeklyDemand
from planning.recommend import Recommendation, hours_block, parse_hours_block, recommend_hours

WINDOW_START = 8 * 60  # a multiple of every slot length


def demand_of(slot_minutes: int, cells: dict[tuple[int, int], float]) -> WeeklyDemand:
    """Zero demand but for `cells`: (weekday, minute of day) → callers a week in that slot."""
    per_day = MINUTES_PER_DAY // slot_minutes
    rows = [[0.0] * per_day for _ in WEEKDAYS]
    for (day, minute), value in cells.items():
        rows[day][minute // slot_minutes] = value
    return WeeklyDemand(slot_minutes, tuple(tuple(row) for row in rows))


def hours_of(**days: list[str]) -> WeeklyHours:
    return parse_weekly_hours(days)


# ---------------------------------------------------------------- brute force


@dataclass(frozen=True)
class Problem:
    demand: WeeklyDemand
    days: tuple[int, ...]
    width: int  # slots in the window
    shortest: int  # slots
    max_blocks: int
    budget: int  # slots

    def recommend(self) -> Recommendation:
        slot = self.demand.slot_minutes
        return recommend_hours(
            self.demand,
            budget_minutes=self.budget * slot,
            min_block_minutes=self.shortest * slot,
            earliest_minute=WINDOW_START,
            latest_minute=WINDOW_START + self.width * slot,
            days=self.days,
            max_blocks_per_day=self.max_blocks,
        )


def day_plans(width: int, shortest: int, max_blocks: int) -> Iterator[tuple[tuple[int, int], ...]]:
    """Every feasible set of blocks (start, end slot) on one day, written out plainly."""
    for covered in itertools.product((False, True), repeat=width):
        runs: list[tuple[int, int]] = []
        for is_open, group in itertools.groupby(enumerate(covered), key=lambda item: item[1]):
            slots = [index for index, _ in group]
            if is_open:
                runs.append((slots[0], slots[-1] + 1))
        if len(runs) <= max_blocks and all(end - start >= shortest for start, end in runs):
            yield tuple(runs)


def brute_force(problem: Problem) -> tuple[float, WeeklyHours]:
    """The best hours by trying every feasible combination: most demand, then fewest slots, then
    the earliest covered slots (the sorted list of (day, slot) smallest)."""
    slot = problem.demand.slot_minutes
    first = WINDOW_START // slot
    plans = list(day_plans(problem.width, problem.shortest, problem.max_blocks))
    best_key: tuple[float, int, list[tuple[int, int]]] | None = None
    best: tuple[float, WeeklyHours] | None = None
    for choice in itertools.product(plans, repeat=len(problem.days)):
        used = sum(end - start for runs in choice for start, end in runs)
        if used > problem.budget:
            continue
        covered = sorted(
            (day, first + index)
            for day, runs in zip(sorted(problem.days), choice, strict=True)
            for start, end in runs
            for index in range(start, end)
        )
        value = sum(problem.demand.values[day][index] for day, index in covered)
        key = (-value, used, covered)
        if best_key is None or key < best_key:
            best_key = key
            days: list[DayRanges] = [() for _ in WEEKDAYS]
            for day, runs in zip(sorted(problem.days), choice, strict=True):
                days[day] = tuple(TimeRange((first + s) * slot, (first + e) * slot) for s, e in runs)
            best = (value, WeeklyHours(days=tuple(days)))  # type: ignore[arg-type]
    assert best is not None
    return best


@st.composite
def problems(draw: st.DrawFn, values: st.SearchStrategy[float]) -> Problem:
    slot = draw(st.sampled_from((15, 30, 60)))
    day_count = draw(st.integers(2, 3))
    width = draw(st.integers(2, 8 if day_count == 2 else 5))
    days = tuple(draw(st.lists(st.integers(0, 6), min_size=day_count, max_size=day_count, unique=True)))
    first = WINDOW_START // slot
    cells = {
        (day, (first + index) * slot): draw(values)
        for day in days
        for index in range(-1, width + 1)  # demand just outside the window must stay unserved
        if first + index >= 0
    }
    return Problem(
        demand=demand_of(slot, cells),
        days=days,
        width=width,
        shortest=draw(st.integers(1, width)),
        max_blocks=draw(st.integers(1, 3)),
        budget=draw(st.integers(1, width * day_count)),
    )


def assert_feasible(problem: Problem, recommendation: Recommendation) -> None:
    slot = problem.demand.slot_minutes
    hours = recommendation.hours
    assert hours.minutes_per_week <= problem.budget * slot
    for day, ranges in enumerate(hours.days):
        if day not in problem.days:
            assert ranges == ()
        assert len(ranges) <= problem.max_blocks
        for time_range in ranges:
            assert time_range.start % slot == 0
            assert time_range.end % slot == 0
            assert time_range.minutes >= problem.shortest * slot
            assert WINDOW_START <= time_range.start < time_range.end <= WINDOW_START + problem.width * slot
        for earlier, later in itertools.pairwise(ranges):
            assert later.start >= earlier.end + slot, "blocks of a day are apart by a closed slot"
    assert [(b.day, b.time_range) for b in recommendation.blocks] == [
        (day, r) for day, ranges in enumerate(hours.days) for r in ranges
    ]


@settings(max_examples=150, deadline=None)
@given(problems(st.integers(0, 4).map(float)))
def test_recommendation_is_the_brute_force_optimum_ties_included(problem: Problem) -> None:
    # Whole numbers make many ties, and sums of them are exact: the chosen hours must be the same.
    recommendation = problem.recommend()
    value, hours = brute_force(problem)
    assert_feasible(problem, recommendation)
    assert recommendation.served == value
    assert recommendation.hours == hours


@settings(max_examples=100, deadline=None)
@given(problems(st.floats(0, 50, allow_nan=False, allow_infinity=False)))
def test_recommendation_serves_the_brute_force_optimum_for_any_demand(problem: Problem) -> None:
    recommendation = problem.recommend()
    value, _ = brute_force(problem)
    assert_feasible(problem, recommendation)
    assert recommendation.served == pytest.approx(value, rel=1e-9, abs=1e-6)
    total = problem.demand.total
    assert recommendation.share == pytest.approx(value / total if total else 0.0, rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------- hand cases


def recommend(demand: WeeklyDemand, **overrides: Any) -> Recommendation:
    arguments: dict[str, Any] = {
        "budget_minutes": 120,
        "min_block_minutes": 120,
        "earliest_minute": 7 * 60,
        "latest_minute": 20 * 60,
    }
    return recommend_hours(demand, **(arguments | overrides))


def test_a_single_peak_gets_the_block_over_it() -> None:
    demand = demand_of(60, {(0, 9 * 60): 6.0, (0, 10 * 60): 4.0, (2, 15 * 60): 3.0})
    recommendation = recommend(demand)
    assert recommendation.hours == hours_of(mon=["09:00-11:00"])
    assert recommendation.served == 10.0
    assert recommendation.share == pytest.approx(10 / 13)
    assert [(b.day, str(b.time_range), b.served) for b in recommendation.blocks] == [(0, "09:00-11:00", 10.0)]


def test_no_demand_means_no_hours_rather_than_the_whole_budget() -> None:
    recommendation = recommend(demand_of(30, {}), budget_minutes=27 * 60)
    assert recommendation.hours == hours_of()
    assert (recommendation.served, recommendation.share, recommendation.blocks) == (0.0, 0.0, ())


def test_spare_budget_is_left_unused_where_there_is_no_demand() -> None:
    demand = demand_of(60, {(1, 10 * 60): 5.0, (1, 11 * 60): 5.0})
    assert recommend(demand, budget_minutes=10 * 60).hours == hours_of(tue=["10:00-12:00"])


def test_of_equal_choices_the_earliest_block_wins() -> None:
    # One hour of demand, two-hour blocks: 08-10 and 09-11 serve the same; so do Monday and Tuesday.
    demand = demand_of(60, {(0, 9 * 60): 5.0, (1, 9 * 60): 5.0})
    assert recommend(demand).hours == hours_of(mon=["08:00-10:00"])


def test_two_peaks_get_two_blocks_and_one_block_bridges_them_when_only_one_is_allowed() -> None:
    peaks = {(0, 8 * 60): 4.0, (0, 9 * 60): 4.0, (0, 11 * 60): 4.0, (0, 12 * 60): 4.0}
    demand = demand_of(60, peaks)
    assert recommend(demand, budget_minutes=4 * 60).hours == hours_of(mon=["08:00-10:00", "11:00-13:00"])
    one = recommend(demand, budget_minutes=5 * 60, max_blocks_per_day=1)
    assert one.hours == hours_of(mon=["08:00-13:00"])
    assert one.served == 16.0


def test_blocks_respect_the_earliest_start_and_latest_end() -> None:
    demand = demand_of(30, {(3, 6 * 60): 50.0, (3, 20 * 60): 50.0, (3, 19 * 60 + 30): 1.0})
    assert recommend(demand).hours == hours_of(thu=["18:00-20:00"])


def test_only_the_allowed_days_get_hours() -> None:
    demand = demand_of(60, {(5, 9 * 60): 30.0, (4, 9 * 60): 1.0})
    assert recommend(demand).hours == hours_of(fri=["08:00-10:00"])
    assert recommend(demand, days=(5, 6)).hours == hours_of(sat=["08:00-10:00"])


def test_a_realistic_week_fits_the_budget_in_under_two_seconds() -> None:
    demand = WeeklyDemand(
        30,
        tuple(
            tuple(
                (3.0 - day * 0.4) * math.exp(-(((slot - 19) / 4) ** 2)) + 1.2 * math.exp(-(((slot - 28) / 3) ** 2))
                for slot in range(48)
            )
            for day in range(7)
        ),
    )
    recommendation = recommend(demand, budget_minutes=27 * 60)
    assert recommendation.hours.minutes_per_week == 27 * 60
    assert all(r.minutes >= 120 for day in recommendation.hours.days for r in day)
    assert recommendation.hours.days[5:] == ((), ())
    # Monday's morning peak is the biggest demand of the week: it is open
    assert any(r.start <= 9 * 60 + 30 < r.end for r in recommendation.hours.days[0])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"budget_minutes": 100}, "budget_minutes: 100 is not a multiple of the 30-minute slot"),
        ({"budget_minutes": 0}, "budget_minutes: 0 must be more than 0"),
        ({"min_block_minutes": 15}, "min_block_minutes: 15 is not a multiple of the 30-minute slot"),
        ({"min_block_minutes": 0}, "min_block_minutes: 0 is shorter than the 30-minute slot"),
        ({"earliest_minute": 600, "latest_minute": 600}, "earliest_minute: 600 is not before latest_minute 600"),
        ({"earliest_minute": -30}, "earliest_minute: -30 is not a time of day"),
        ({"latest_minute": 1470}, "latest_minute: 1470 is not a time of day"),
        ({"earliest_minute": 435}, "earliest_minute: 435 is not a multiple of the 30-minute slot"),
        ({"min_block_minutes": 600, "latest_minute": 900}, "a block of 600 minutes does not fit between"),
        ({"days": ()}, "days: no weekday given"),
        ({"days": (0, 7)}, r"days: 7 is not a weekday \(0 = Monday to 6 = Sunday\)"),
        ({"days": (1, 1)}, "days: .* names a weekday twice"),
        ({"max_blocks_per_day": 0}, "max_blocks_per_day: 0 must be a whole number of at least 1"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        recommend(demand_of(30, {}), **overrides)


@pytest.mark.parametrize(
    ("slot_minutes", "values", "message"),
    [
        (20, (), "slot_minutes: 20 is not one of 15, 30, 60"),
        (60, ((0.0,) * 24,) * 6, "values: must be a tuple of 7 days"),
        (60, ((0.0,) * 24,) * 6 + ((0.0,) * 23,), r"values\[6\] \(sun\): must be a tuple of 24 slots of 60 minutes"),
        (60, ((0.0,) * 23 + (-1.0,),) + ((0.0,) * 24,) * 6, r"values\[0\]\[23\]: -1.0 is negative"),
        (60, ((0.0,) * 23 + (math.nan,),) + ((0.0,) * 24,) * 6, r"values\[0\]\[23\]: nan is not finite"),
    ],
)
def test_a_demand_profile_of_the_wrong_shape_or_sign_is_refused(
    slot_minutes: int, values: tuple[tuple[float, ...], ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        WeeklyDemand(slot_minutes, values)


# ---------------------------------------------------------------- the deployment-file block


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    days: list[DayRanges] = []
    for _ in WEEKDAYS:
        edges = sorted(draw(st.lists(st.integers(0, 96), max_size=6, unique=True)))
        edges = edges[: len(edges) // 2 * 2]
        days.append(tuple(TimeRange(edges[i] * 15, edges[i + 1] * 15) for i in range(0, len(edges), 2)))
    return WeeklyHours(days=tuple(days))  # type: ignore[arg-type]


@given(weekly_hours(), st.sampled_from([None, "siegburg"]))
def test_the_block_round_trips_through_both_parsers(hours: WeeklyHours, region_id: str | None) -> None:
    block = hours_block(hours, region_id=region_id)
    assert parse_weekly_hours(tomllib.loads(block)["regions"]["hours"]["hotline"]) == hours
    assert parse_hours_block(block) == hours
    bare = "\n".join(line for line in block.splitlines() if not line.startswith(("[", "#")))
    if bare:
        assert parse_hours_block(bare) == hours


def test_the_block_reads_like_the_example_deployment() -> None:
    hours = hours_of(mon=["08:00-12:00", "13:00-15:30"], thu=["08:00-12:00"], fri=["13:00-24:00"])
    assert hours_block(hours, region_id="siegburg") == (
        '# region "siegburg": 21.5 hours a week\n'
        "[regions.hours.hotline]\n"
        'mon = ["08:00-12:00", "13:00-15:30"]\n'
        'thu = ["08:00-12:00"]\n'
        'fri = ["13:00-24:00"]\n'
    )
    assert hours_block(hours_of(tue=["08:00-12:00"])).splitlines()[0] == "# 4 hours a week"


@pytest.mark.parametrize(
    ("text", "issue"),
    [
        ('mon = ["08:00-12:00"', "Unclosed array (at end of document)"),
        ('mon = ["08:00-12:00"]\ntue = 08:00', "line 2: "),
        ('mon = ["08:00-12:00"]\nmon = ["13:00-14:00"]', "line 2: Cannot overwrite a value"),
        (
            '[regions.hours.hotline]\ntue = ["12:00-08:00"]',
            'regions.hours.hotline.tue: "12:00-08:00" ends before it starts',
        ),
        ('montag = ["08:00-12:00"]', "montag: unknown weekday"),
        ('mon = ["08:00-12:00", "11:00-13:00"]', 'mon: "08:00-12:00" and "11:00-13:00" overlap'),
        (
            '[regions.hours.counselling]\nmon = ["08:00-12:00"]',
            "regions.hours: expected the table [regions.hours.hotline]",
        ),
        ('[regions]\nid = "x"\n[regions.hours.hotline]\nmon = ["08:00-12:00"]', "regions.id: not hotline hours"),
        ("  \n", "no hours given"),
    ],
)
def test_a_bad_pasted_block_names_the_line_or_key_and_the_reason(text: str, issue: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_hours_block(text)
    assert any(str(found).startswith(issue) or issue in str(found) for found in raised.value.issues), (
        raised.value.issues
    )
