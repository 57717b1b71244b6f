"""Benchmark of the hours planner: one region's recommendation for 15-, 30- and 60-minute slots.

Run: .venv/bin/python bench/recommend.py
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.deployment import MINUTES_PER_DAY
from planning.demand import WeeklyDemand
from planning.recommend import recommend_hours

GOAL_SECONDS = 2.0
REPEATS = 5
# Monday busiest, easing through the week; Saturday and Sunday see a few callers on the web's advice.
DAY_FACTORS = (1.6, 1.2, 1.0, 1.05, 0.8, 0.15, 0.05)


def synthetic_demand(slot_minutes: int) -> WeeklyDemand:
    """Distinct callers a week per slot: a morning peak near 09:30, a smaller one near 14:00,
    little before 07:00 and after 19:00, scaled by the weekday. Longer slots add up the
    quarter hours, so a finer grid can only serve as much or more."""

    def quarter(index: int) -> float:
        hour = (index + 0.5) / 4
        return (30 * math.exp(-(((hour - 9.5) / 1.6) ** 2)) + 14 * math.exp(-(((hour - 14) / 1.8) ** 2)) + 0.5) / 4

    quarters = slot_minutes // 15
    slots = MINUTES_PER_DAY // slot_minutes
    return WeeklyDemand(
        slot_minutes,
        tuple(
            tuple(factor * sum(quarter(slot * quarters + q) for q in range(quarters)) for slot in range(slots))
            for factor in DAY_FACTORS
        ),
    )


def measure(
    slot_minutes: int, budget_hours: int, earliest: int, latest: int, days: tuple[int, ...]
) -> tuple[float, float]:
    """Median seconds of a recommendation and the share of demand it serves."""
    demand = synthetic_demand(slot_minutes)
    seconds: list[float] = []
    share = 0.0
    for _ in range(REPEATS):
        before = time.perf_counter()
        recommendation = recommend_hours(
            demand,
            budget_minutes=budget_hours * 60,
            min_block_minutes=120,
            earliest_minute=earliest,
            latest_minute=latest,
            days=days,
        )
        seconds.append(time.perf_counter() - before)
        share = recommendation.share
    return statistics.median(seconds), share


def main() -> None:
    cases: list[tuple[int, int, int, int, tuple[int, ...], str]] = [
        (slot, budget, 7 * 60, 20 * 60, (0, 1, 2, 3, 4), "07:00-20:00, Mon-Fri")
        for slot in (60, 30, 15)
        for budget in (13, 27)
    ]
    cases.append((15, 27, 0, MINUTES_PER_DAY, (0, 1, 2, 3, 4, 5, 6), "00:00-24:00, every day (worst case)"))
    print(f"{'slot':>6}  {'budget':>6}  {'median':>10}  {'served':>7}  window, verdict (goal < {GOAL_SECONDS:.0f} s)")
    print(f"{'-' * 6}  {'-' * 6}  {'-' * 10}  {'-' * 7}  {'-' * 45}")
    for slot, budget, earliest, latest, days, window in cases:
        seconds, share = measure(slot, budget, earliest, latest, days)
        verdict = "PASS" if seconds < GOAL_SECONDS else "MISS"
        print(f"{slot:>4} m  {budget:>4} h  {seconds * 1000:>7.1f} ms  {share:>6.1%}  {window}: {verdict}")


if __name__ == "__main__":
    main()
