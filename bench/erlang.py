"""Benchmark of staffing by Erlang C and Erlang A: a year of 30-minute intervals of 20 regions.

Synthetic loads with the shape of a job centre's hotline: open Monday to Friday (longer on
Monday, Tuesday and Thursday), closed at night and at weekends (zero calls), a morning peak,
more calls on Mondays and in the first days of a month (when benefits are paid), Poisson noise.
Regions differ in size (a few to ~100 calls per half hour at peak), handling time and patience.
Every run starts with cold caches.

Run: .venv/bin/python bench/erlang.py
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planning import erlang
from planning.demo_demand import poisson

REGIONS = 20
YEAR = dt.date(2026, 1, 1)
INTERVAL_S = 1800.0
TARGET_S = 20.0
SERVICE_LEVEL = 0.8
MAX_OCCUPANCY = 0.85
SEED = 20261207
GOAL_S = 1.0
# Open half hours by weekday (Monday 0): 08:00-12:00 and 13:00-16:00 on Mon, Tue, Thu; mornings otherwise.
OPEN = {day: [*range(16, 24), *range(26, 32)] if day in (0, 1, 3) else list(range(16, 24)) for day in range(5)}


def region_year(rng: random.Random, peak_calls: float) -> list[int]:
    """Calls in each half hour of the year for one region."""
    calls: list[int] = []
    for day_index in range(365):
        day = YEAR + dt.timedelta(days=day_index)
        open_slots = set(OPEN.get(day.weekday(), []))
        day_factor = (1.35 if day.weekday() == 0 else 1.0) * (1.4 if day.day <= 3 else 1.0)
        for slot in range(48):
            if slot not in open_slots:
                calls.append(0)
                continue
            hour = slot / 2
            shape = 0.55 + 0.45 * math.exp(-(((hour - 9.5) / 1.6) ** 2))  # the morning peak
            calls.append(poisson(rng, peak_calls * shape * day_factor))
    return calls


def timed(action: Callable[[], object]) -> tuple[float, object]:
    erlang._required.cache_clear()  # cold: nothing solved before
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    rng = random.Random(SEED)
    regions = [
        (region_year(rng, rng.uniform(4, 100)), rng.uniform(240, 420), rng.uniform(60, 180)) for _ in range(REGIONS)
    ]
    intervals = sum(len(calls) for calls, _, _ in regions)
    distinct = sum(len(set(calls)) for calls, _, _ in regions)
    busiest = max(max(calls) * aht / INTERVAL_S for calls, aht, _ in regions)

    def staff(with_patience: bool) -> int:
        hours = 0
        for calls, aht, patience in regions:
            staffing = erlang.required_agents_many(
                calls, INTERVAL_S, aht, TARGET_S, SERVICE_LEVEL, patience if with_patience else None, MAX_OCCUPANCY
            )
            hours += sum(s.agents for s in staffing)
        return hours

    erlang_c_s, c_half_hours = timed(lambda: staff(False))
    erlang_a_s, a_half_hours = timed(lambda: staff(True))
    thousand = 1000 * INTERVAL_S / 300  # 10^3 Erlang at 300 s handling
    one_c_s, _ = timed(lambda: erlang.evaluate(thousand, INTERVAL_S, 300, TARGET_S, 1030))
    one_a_s, _ = timed(lambda: erlang.evaluate(thousand, INTERVAL_S, 300, TARGET_S, 1030, 120))
    need_c_s, need_c = timed(lambda: erlang.required_agents(thousand, INTERVAL_S, 300, TARGET_S, SERVICE_LEVEL))
    need_a_s, need_a = timed(lambda: erlang.required_agents(thousand, INTERVAL_S, 300, TARGET_S, SERVICE_LEVEL, 120))

    def verdict(seconds: float) -> str:
        return f"goal < {GOAL_S:.0f} s: {'PASS' if seconds < GOAL_S else 'MISS'}"

    rows = [
        (
            "intervals (20 regions × 17,520)",
            f"{intervals:,}",
            f"{distinct:,} distinct loads, busiest {busiest:.0f} Erl",
        ),
        ("Erlang C, whole year", f"{erlang_c_s * 1000:.0f} ms", verdict(erlang_c_s)),
        ("Erlang A, whole year", f"{erlang_a_s * 1000:.0f} ms", verdict(erlang_a_s)),
        ("counsellor hours, Erlang C", f"{c_half_hours / 2:,.0f} h", "80 % in 20 s, occupancy ≤ 85 %"),
        ("counsellor hours, Erlang A", f"{a_half_hours / 2:,.0f} h", "patience 60-180 s"),
        ("10^3 Erlang, evaluate C", f"{one_c_s * 1000:.2f} ms", "1030 counsellors"),
        ("10^3 Erlang, evaluate A", f"{one_a_s * 1000:.2f} ms", "1030 counsellors, patience 120 s"),
        ("10^3 Erlang, required C", f"{need_c_s * 1000:.2f} ms", f"{getattr(need_c, 'agents', '?')} counsellors"),
        ("10^3 Erlang, required A", f"{need_a_s * 1000:.2f} ms", f"{getattr(need_a, 'agents', '?')} counsellors"),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure':<{width}}  {'value':>12}  note")
    print(f"{'-' * width}  {'-' * 12}  {'-' * 40}")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")


if __name__ == "__main__":
    main()
