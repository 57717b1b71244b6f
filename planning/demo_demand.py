"""How many customers call a job centre's hotline on a day, and when: the shape of the demo's demand.

The figures are plausible, not measured: Monday is the busiest day and Friday quiet, calls peak
between 8 and 10 o'clock with a smaller hump after lunch, and the first working days of a month
(benefits are paid, notices arrive) and its last ones are busier than the middle. Customers know
the hours, so fewer call while the line is closed, but some always do: in the evening, early
in the morning, at weekends and on holidays.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence

DEFAULT_CALLS_PER_WEEKDAY = 15  # per region: about 10^5 events a year for the example's four regions
MAX_DAYS = 3660  # ten years

# Relative demand by weekday, Monday first; an ordinary weekday averages about 1.
WEEKDAY_WEIGHT: tuple[float, ...] = (1.4, 1.05, 0.95, 1.0, 0.7, 0.1, 0.05)
# Relative demand by local hour of day (0-23) on any day.
HOUR_WEIGHT: tuple[float, ...] = (
    *(0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.25, 0.7),  # night, early morning
    *(1.6, 1.7, 1.4, 1.15, 0.75, 0.85, 0.75, 0.6),  # the office day: morning peak, lunch dip
    *(0.45, 0.35, 0.3, 0.25, 0.2, 0.12, 0.06, 0.03),  # afternoon and evening
)
# By month, January first: after the holidays and before the summer more, in summer fewer.
MONTH_WEIGHT: tuple[float, ...] = (1.15, 1.05, 1.0, 0.95, 0.95, 0.9, 0.85, 0.85, 1.0, 1.05, 1.05, 0.9)
# The n-th working day of a month (benefits paid on the first) and the last ones.
FIRST_WORKING_DAYS: tuple[float, ...] = (1.7, 1.45, 1.25)
LAST_WORKING_DAYS: tuple[float, ...] = (1.2, 1.1)  # the last, the one before
# Demand while the line is closed, relative to the same hour when open: customers know the hours.
CLOSED_HOUR_SHARE = 0.4
# On a public holiday or a day closed by the job centre, relative to an ordinary weekday.
CLOSED_DAY_SHARE = 0.3


def month_factor(day: dt.date, working_days: Sequence[dt.date]) -> float:
    """How much busier `day` is for its place in the month; `working_days` are the month's, in order."""
    if day not in working_days:
        return 1.0
    position = working_days.index(day)
    if position < len(FIRST_WORKING_DAYS):
        return FIRST_WORKING_DAYS[position]
    from_end = len(working_days) - 1 - position
    if from_end < len(LAST_WORKING_DAYS):
        return LAST_WORKING_DAYS[from_end]
    return 1.0


def expected_calls(calls_per_weekday: float, day: dt.date, *, working: bool, month: float) -> float:
    """The mean number of first calls (redials not counted) on `day`."""
    weekday = day.weekday()
    share = 1.0 if working or weekday >= 5 else CLOSED_DAY_SHARE
    return calls_per_weekday * WEEKDAY_WEIGHT[weekday] * MONTH_WEIGHT[day.month - 1] * month * share


def hour_weights(open_minutes: Sequence[tuple[int, int]]) -> list[float]:
    """Demand per local hour of a day whose hotline is open in `open_minutes` (minutes since midnight)."""
    weights = []
    for hour, weight in enumerate(HOUR_WEIGHT):
        start, end = hour * 60, hour * 60 + 60
        open_share = sum(max(0, min(end, b) - max(start, a)) for a, b in open_minutes) / 60
        weights.append(weight * (CLOSED_HOUR_SHARE + (1 - CLOSED_HOUR_SHARE) * open_share))
    return weights


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count: exact for small means, the normal approximation for large ones."""
    if mean <= 0:
        return 0
    if mean > 60:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
