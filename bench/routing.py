"""Benchmark of the routing core: `decide` and `next_opening` over a 20-region deployment.

Run: .venv/bin/python bench/routing.py
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# This file is itself called routing.py: put the project first, or `import routing` finds this script.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.deployment import Deployment, Urgency
from config.loader import normalise_number, parse_deployment
from routing import decide, next_opening
from routing.sla import due_at

REGIONS = 20
SAMPLES = 100_000
NEXT_OPENING_SAMPLES = 20_000
SEED = 20260101
GOAL_MEDIAN_NS = 20_000
ZONE = ZoneInfo("Europe/Berlin")


def build_deployment(rng: random.Random) -> tuple[Deployment, list[str]]:
    """Twenty regions with varied hours, closures and special hours, like a district's offices."""
    regions: list[dict[str, Any]] = []
    numbers: list[str] = []
    for index in range(REGIONS):
        number = f"+49 2241 9000 1{index:02d}"
        e164 = normalise_number(number)
        assert e164 is not None, f"{number} is not a valid number"
        numbers.append(e164)
        late = f"{13 + rng.randrange(3)}:00-{16 + rng.randrange(3)}:00"
        hotline = {day: ["08:00-12:00", late] for day in ("mon", "tue", "thu")}
        hotline |= {"wed": ["08:00-12:00"], "fri": ["08:00-12:00"]}
        regions.append(
            {
                "id": f"region-{index:02d}",
                "name": f"Geschäftsstelle {index}",
                "numbers": [number],
                "hours": {"hotline": hotline, "counselling": {"mon": ["16:00-19:00"], "sat": ["09:00-12:00"]}},
                "closures": [{"from": "2026-07-20T12:00", "to": "2026-07-20T16:00", "reason": "Betriebsversammlung"}],
                "special_hours": [{"date": "2026-12-23", "hotline": ["08:00-11:00"]}],
            }
        )
    raw = {
        "timezone": "Europe/Berlin",
        "holidays": {"country": "DE", "subdivision": "NW"},
        "sla": {"urgent": "same_day", "normal": "48h"},
        "closures": [
            {"date": "2026-02-16", "reason": "Rosenmontag"},
            {"from": "2026-12-24T00:00", "to": "2027-01-01T00:00", "reason": "Betriebsruhe zum Jahreswechsel"},
        ],
        "regions": regions,
    }
    return parse_deployment(raw, source="bench"), numbers


def random_instants(rng: random.Random, count: int) -> list[dt.datetime]:
    """Instants spread over 2026, each in the deployment's zone."""
    start = dt.datetime(2026, 1, 1, tzinfo=ZONE).timestamp()
    end = dt.datetime(2027, 1, 1, tzinfo=ZONE).timestamp()
    return [dt.datetime.fromtimestamp(rng.uniform(start, end), ZONE) for _ in range(count)]


def percentile(sorted_values: list[int], fraction: float) -> int:
    """The value below which `fraction` of the sorted samples lie."""
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def main() -> None:
    rng = random.Random(SEED)
    deployment, numbers = build_deployment(rng)
    instants = random_instants(rng, SAMPLES)
    dialled = [rng.choice(numbers) for _ in range(SAMPLES)]
    perf = time.perf_counter_ns

    for number, now in zip(dialled[:2000], instants[:2000], strict=True):  # warm the day plans
        decide(number, now, deployment)

    decide_ns: list[int] = []
    wall_start = perf()
    for number, now in zip(dialled, instants, strict=True):
        before = perf()
        decide(number, now, deployment)
        decide_ns.append(perf() - before)
    wall_ns = perf() - wall_start

    regions = deployment.regions
    opening_ns: list[int] = []
    for index, now in enumerate(instants[:NEXT_OPENING_SAMPLES]):
        region = regions[index % len(regions)]
        before = perf()
        next_opening(region, "hotline", now, deployment)
        opening_ns.append(perf() - before)

    due_ns: dict[Urgency, list[int]] = {"urgent": [], "normal": []}
    for index, now in enumerate(instants[:NEXT_OPENING_SAMPLES]):
        region = regions[index % len(regions)]
        for urgency, spent in due_ns.items():
            before = perf()
            due_at(now, urgency, region, deployment)
            spent.append(perf() - before)

    decide_ns.sort()
    median = statistics.median(decide_ns)
    verdict = "PASS" if median < GOAL_MEDIAN_NS else "MISS"
    rows = [
        ("regions", f"{REGIONS}", ""),
        ("decide calls", f"{SAMPLES:,}", ""),
        ("decisions per second", f"{SAMPLES / (wall_ns / 1e9):,.0f}", "(timing loop included)"),
        ("decide median", f"{median / 1000:.2f} µs", f"goal < {GOAL_MEDIAN_NS / 1000:.0f} µs: {verdict}"),
        ("decide p99", f"{percentile(decide_ns, 0.99) / 1000:.2f} µs", ""),
        ("next_opening median", f"{statistics.median(opening_ns) / 1000:.2f} µs", f"({NEXT_OPENING_SAMPLES:,} calls)"),
        ("due_at urgent median", f"{statistics.median(due_ns['urgent']) / 1000:.2f} µs", "end of the day's window"),
        ("due_at normal median", f"{statistics.median(due_ns['normal']) / 1000:.2f} µs", "48 working hours"),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure':<{width}}  {'value':>12}  note")
    print(f"{'-' * width}  {'-' * 12}  {'-' * 30}")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")


if __name__ == "__main__":
    main()
