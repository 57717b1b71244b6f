"""The hours planner: the weekly hotline hours that serve the most demand within a budget.

Exact, not greedy. Each block is a run of whole slots; every feasible set of blocks covers a
set of slots, and the planner returns the set with the best key:

1. the most demand covered (compared in millionths of a caller, so sums are exact integers and
   do not depend on the order they were added in),
2. then the fewest minutes,
3. then the earliest slots: of two sets of equal size, the one that covers the earliest slot
   the other does not.

All three are folded into one integer per slot (`_slot_weights`), so a set's key is the sum of
its slots' weights and two different sets never have the same key: the optimum is unique and
the dynamic programme only ever takes a maximum.

Complexity, with n slots between earliest and latest, m the shortest block in slots, K blocks a
day at most, D days and B the budget in slots: per day O(K · n² · min(n, B)) (for each block
end, each block length and each number of slots used), then a knapsack over the days in
O(D · B · min(n, B)). Keys are integers of about D · n bits. One region, 07:00-20:00 on five
days, 27 hours: about 5 ms with 30-minute slots, 20 ms with 15-minute slots, and 0.2 s for
15-minute slots round the clock on all seven days (bench/recommend.py, CPython 3.11).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from config.deployment import MINUTES_PER_DAY, WEEKDAYS, DayRanges, TimeRange, WeeklyHours
from config.issues import ConfigError, ConfigIssue, join_key
from config.loader import parse_weekly_hours
from planning.demand import WeeklyDemand

# Demand is compared in millionths of a caller per week: finer than any count can matter.
_QUANTUM = 1_000_000

WORKING_DAYS: tuple[int, ...] = (0, 1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class RecommendedBlock:
    """One block of hotline hours on one weekday (0 = Monday) and the demand it serves a week."""

    day: int
    time_range: TimeRange
    served: float


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The best hours within the budget, the demand they serve a week and its share of all demand."""

    hours: WeeklyHours
    served: float
    share: float
    blocks: tuple[RecommendedBlock, ...]


def recommend_hours(
    demand: WeeklyDemand,
    *,
    budget_minutes: int,
    min_block_minutes: int,
    earliest_minute: int,
    latest_minute: int,
    days: tuple[int, ...] = WORKING_DAYS,
    max_blocks_per_day: int = 2,
) -> Recommendation:
    """The hours that cover the most demand within the budget; raises ValueError on bad arguments."""
    slot = demand.slot_minutes
    _check_arguments(slot, budget_minutes, min_block_minutes, earliest_minute, latest_minute, days, max_blocks_per_day)
    ordered_days = sorted(days)
    first = earliest_minute // slot
    width = (latest_minute - earliest_minute) // slot
    shortest = min_block_minutes // slot
    budget = budget_minutes // slot

    weights = _slot_weights([demand.values[day][first : first + width] for day in ordered_days])
    plans = [_plan_day(day_weights, shortest, max_blocks_per_day, budget) for day_weights in weights]
    slots_per_day = _share_budget([plan.best for plan in plans], budget)

    day_ranges: list[DayRanges] = [() for _ in WEEKDAYS]
    blocks: list[RecommendedBlock] = []
    for day, plan, used in zip(ordered_days, plans, slots_per_day, strict=True):
        runs = plan.runs(used)
        ranges = tuple(TimeRange((first + start) * slot, (first + end) * slot) for start, end in runs)
        day_ranges[day] = ranges
        for (start, end), time_range in zip(runs, ranges, strict=True):
            served = math.fsum(demand.values[day][first + start : first + end])
            blocks.append(RecommendedBlock(day, time_range, served))
    served = math.fsum(block.served for block in blocks)
    total = demand.total
    return Recommendation(
        hours=WeeklyHours(days=cast(Any, tuple(day_ranges))),
        served=served,
        share=served / total if total > 0 else 0.0,
        blocks=tuple(blocks),
    )


def _check_arguments(
    slot: int,
    budget_minutes: int,
    min_block_minutes: int,
    earliest_minute: int,
    latest_minute: int,
    days: tuple[int, ...],
    max_blocks_per_day: int,
) -> None:
    def on_grid(name: str, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name}: {value!r} is not a whole number of minutes")
        if value % slot:
            raise ValueError(f"{name}: {value} is not a multiple of the {slot}-minute slot")

    on_grid("budget_minutes", budget_minutes)
    if budget_minutes <= 0:
        raise ValueError(f"budget_minutes: {budget_minutes} must be more than 0")
    on_grid("min_block_minutes", min_block_minutes)
    if min_block_minutes < slot:
        raise ValueError(f"min_block_minutes: {min_block_minutes} is shorter than the {slot}-minute slot")
    on_grid("earliest_minute", earliest_minute)
    on_grid("latest_minute", latest_minute)
    if not 0 <= earliest_minute < MINUTES_PER_DAY:
        raise ValueError(f"earliest_minute: {earliest_minute} is not a time of day (0 to {MINUTES_PER_DAY - 1})")
    if not 0 < latest_minute <= MINUTES_PER_DAY:
        raise ValueError(f"latest_minute: {latest_minute} is not a time of day (1 to {MINUTES_PER_DAY})")
    if earliest_minute >= latest_minute:
        raise ValueError(f"earliest_minute: {earliest_minute} is not before latest_minute {latest_minute}")
    if min_block_minutes > latest_minute - earliest_minute:
        raise ValueError(
            f"min_block_minutes: a block of {min_block_minutes} minutes does not fit between "
            f"earliest_minute {earliest_minute} and latest_minute {latest_minute}"
        )
    if not days:
        raise ValueError("days: no weekday given")
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day < len(WEEKDAYS):
            raise ValueError(f"days: {day!r} is not a weekday (0 = Monday to 6 = Sunday)")
    if len(set(days)) != len(days):
        raise ValueError(f"days: {days!r} names a weekday twice")
    if isinstance(max_blocks_per_day, bool) or not isinstance(max_blocks_per_day, int) or max_blocks_per_day < 1:
        raise ValueError(f"max_blocks_per_day: {max_blocks_per_day!r} must be a whole number of at least 1")


def _slot_weights(days: Sequence[Sequence[float]]) -> list[list[int]]:
    """One integer per slot such that a set's sum orders sets by demand, then fewer slots, then
    earliest slots. With N slots in all: demand in millionths × C, minus 2^N for each slot, plus
    2^(N-1-p) for slot p; C exceeds the whole range of the other two terms, and the powers of
    two make the earliest slot in which two sets differ decide for the set that has it."""
    count = sum(len(day) for day in days)
    unit = 1 << count
    scale = (count + 1) * unit
    weights: list[list[int]] = []
    position = 0
    for day in days:
        row: list[int] = []
        for value in day:
            position += 1
            row.append(round(value * _QUANTUM) * scale - unit + (1 << (count - position)))
        weights.append(row)
    return weights


@dataclass(frozen=True, slots=True)
class _DayPlan:
    """For each number of slots used on a day, the best key (None: no feasible blocks) and the
    choices that rebuild its blocks."""

    best: list[int | None]
    # choices[k][i][u]: the length of the block ending at slot i in the best way to use u slots
    # in at most k blocks within the day's first i slots; 0 when slot i - 1 stays closed.
    choices: list[list[list[int]]]

    def runs(self, used: int) -> list[tuple[int, int]]:
        """The blocks (start, end slot) of the best plan that uses `used` slots."""
        found: list[tuple[int, int]] = []
        blocks = len(self.choices) - 1
        end = len(self.choices[blocks]) - 1
        while used and blocks and end:
            length = self.choices[blocks][end][used]
            if length == 0:
                end -= 1
                continue
            found.append((end - length, end))
            used -= length
            blocks -= 1
            end = max(end - length - 1, 0)  # the slot before a block stays closed
        assert used == 0, "a day plan's choices do not add up"
        return found[::-1]


def _plan_day(weights: Sequence[int], shortest: int, max_blocks: int, budget: int) -> _DayPlan:
    """Best key for each number of slots used on one day, by blocks of at least `shortest` slots,
    at most `max_blocks` of them, with at least one closed slot between two blocks."""
    width = len(weights)
    most = min(width, budget)
    prefix = [0]
    for weight in weights:
        prefix.append(prefix[-1] + weight)
    nothing: list[int | None] = [0] + [None] * most
    # fewer[i][u]: best with one block fewer, all within the first i slots, using u slots
    fewer: list[list[int | None]] = [nothing] * (width + 1)
    choices: list[list[list[int]]] = [[]]
    for _ in range(max_blocks):
        table: list[list[int | None]] = [nothing]
        chosen: list[list[int]] = [[0] * (most + 1)]
        for end in range(1, width + 1):
            row = list(table[end - 1])
            choice = [0] * (most + 1)
            for length in range(shortest, min(end, most) + 1):
                start = end - length
                block = prefix[end] - prefix[start]
                before = fewer[max(start - 1, 0)]
                for used in range(length, most + 1):
                    earlier = before[used - length]
                    if earlier is None:
                        continue
                    candidate = earlier + block
                    current = row[used]
                    if current is None or candidate > current:
                        row[used] = candidate
                        choice[used] = length
            table.append(row)
            chosen.append(choice)
        fewer = table
        choices.append(chosen)
    return _DayPlan(best=fewer[width], choices=choices)


def _share_budget(days: Sequence[Sequence[int | None]], budget: int) -> list[int]:
    """How many slots each day gets: the knapsack over the days' best keys within the budget."""
    totals: list[int | None] = [0] + [None] * budget  # totals[b]: best key using exactly b slots so far
    picks: list[list[int]] = []
    for best in days:
        after: list[int | None] = [None] * (budget + 1)
        pick = [0] * (budget + 1)
        for spent, so_far in enumerate(totals):
            if so_far is None:
                continue
            for used, value in enumerate(best[: budget - spent + 1]):
                if value is None:
                    continue
                candidate = so_far + value
                current = after[spent + used]
                if current is None or candidate > current:
                    after[spent + used] = candidate
                    pick[spent + used] = used
        totals = after
        picks.append(pick)
    spent = max((b for b, total in enumerate(totals) if total is not None), key=lambda b: cast(int, totals[b]))
    shares: list[int] = []
    for pick in reversed(picks):
        shares.append(pick[spent])
        spent -= pick[spent]
    return shares[::-1]


def hours_block(hours: WeeklyHours, *, region_id: str | None = None) -> str:
    """The hours as a ready-to-paste `[regions.hours.hotline]` table of the deployment file,
    after a comment with the weekly total."""
    total = hours.minutes_per_week
    figure = f"{total // 60}" if total % 60 == 0 else f"{total / 60:g}"
    whose = f'region "{region_id}": ' if region_id else ""
    lines = [f"# {whose}{figure} hours a week", f"[{_BLOCK_HEADER}]"]
    for name, ranges in zip(WEEKDAYS, hours.days, strict=True):
        if ranges:
            quoted = ", ".join(f'"{time_range}"' for time_range in ranges)
            lines.append(f"{name} = [{quoted}]")
    return "\n".join(lines) + "\n"


def parse_hours_block(text: str) -> WeeklyHours:
    """Hours as a planner pastes them: a whole `[regions.hours.hotline]` table or bare
    `mon = ["08:00-12:00"]` lines. Raises `ConfigError` naming the line or key and the reason."""
    try:
        # a last line without its newline would be reported "at end of document", not by number
        document = tomllib.loads(text if text.endswith("\n") else text + "\n")
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("", [_syntax_issue(str(error))]) from None
    if not document:
        raise ConfigError("", [ConfigIssue("", 'no hours given (for example: mon = ["08:00-12:00"])')])
    key = ""
    table: Any = document
    if "regions" in document:
        # a pasted table names its place in the deployment file; only the hotline hours belong here
        key = _BLOCK_HEADER
        parts = key.split(".")
        for depth, part in enumerate(parts):
            here = ".".join(parts[:depth])
            if not isinstance(table, dict) or part not in table:
                raise ConfigError("", [ConfigIssue(here, f"expected the table [{_BLOCK_HEADER}]")])
            others = sorted(set(table) - {part})
            if others:
                raise ConfigError("", [ConfigIssue(join_key(here, others[0]), _ONLY_HOURS)])
            table = table[part]
    return parse_weekly_hours(table, key=key)


_BLOCK_HEADER = "regions.hours.hotline"
_ONLY_HOURS = f'not hotline hours: paste the table [{_BLOCK_HEADER}] or lines such as mon = ["08:00-12:00"]'
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_issue(message: str) -> ConfigIssue:
    """tomllib's message as `line 3: <reason> (column 7)`."""
    position = _POSITION.search(message)
    if position is None:
        return ConfigIssue("", message)
    reason = message[: position.start()]
    return ConfigIssue(f"line {position.group(1)}", f"{reason} (column {position.group(2)})")
