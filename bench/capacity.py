"""Capacity planning at scale: a year of contacts seeded, rolled up and shown, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/capacity.py [--events 1e5,1e6,1e7] [--backends sqlite,postgresql]
Goals: the planner page for a year of 10^6 events under 1 s (issue 13).

For each size and backend, a fresh database (PostgreSQL: a database of its own on the loopback
server, dropped at the end; SQLite: a temp file), migrated to head, then:
- seed: `planning.demo.seed`, a year of synthetic contacts for the example deployment's four
  regions, the volume scaled to the size asked for;
- roll-up: `Planner.refresh_rollups` from nothing (every quarter hour of the year counted);
- page: `Planner.report` for the year, for one region and for all regions (what the planner
  page computes: one read of the roll-ups, figures, heat map, series, staffing by Erlang A/C),
  best of three;
- raw GROUP BY: the same per-hour aggregate (calls, answers, abandons and waits by region and
  hour) as one SQL GROUP BY over the events table, the way a page without roll-ups would read it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

import migrations.tables  # noqa: F401  (registers every slice's tables)
from bench.databases import fresh_database
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.pseudonyms import Pseudonymiser
from migrations.runner import upgrade
from planning.demo import seed
from planning.service import Planner, PlannerQuery
from storage.engine import create_engine, session_factory

EVENTS_PER_CALL_RATE = 109_421 / 15  # a year of the example deployment per call a weekday and region
UNTIL = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
PAGE_GOAL_SECONDS = 1.0
T = TypeVar("T")

_HOURLY = {
    "sqlite": "strftime('%Y-%m-%d %H', occurred_at)",
    "postgresql": "date_trunc('hour', occurred_at)",
}
_RAW = """
SELECT region, {hour} AS hour,
       SUM(CASE WHEN kind = 'call_received' THEN 1 ELSE 0 END) AS calls,
       SUM(CASE WHEN kind = 'queued' THEN 1 ELSE 0 END) AS offered,
       SUM(CASE WHEN kind = 'answered' THEN 1 ELSE 0 END) AS answered,
       SUM(CASE WHEN kind = 'answered' AND wait_seconds <= 20 THEN 1 ELSE 0 END) AS in_target,
       SUM(CASE WHEN kind = 'abandoned' THEN 1 ELSE 0 END) AS abandoned,
       SUM(CASE WHEN kind = 'answered' THEN wait_seconds ELSE 0 END) AS waited,
       COUNT(DISTINCT caller_pseudonym) AS callers
FROM contact_events
WHERE occurred_at >= :since AND occurred_at < :until
GROUP BY region, {hour}
"""


@dataclass
class Row:
    backend: str
    events: int
    seed_s: float
    rollup_s: float
    page_region_s: float
    page_all_s: float
    raw_s: float


async def timed(work: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


async def best_of(runs: int, work: Callable[[], Awaitable[Any]]) -> float:
    return min([(await timed(work))[0] for _ in range(runs)])


async def bench(backend: str, events: int) -> Row:
    deployment = load_deployment(EXAMPLE_DEPLOYMENT)
    async with fresh_database(backend, "capacity.db") as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            sessions = session_factory(engine)
            seed_s, summary = await timed(
                lambda: seed(
                    sessions,
                    deployment,
                    Pseudonymiser("bench"),
                    days=365,
                    until=UNTIL,
                    calls_per_weekday=events / EVENTS_PER_CALL_RATE,
                )
            )
            if backend == "postgresql":
                async with engine.connect() as connection:
                    await connection.execute(text("ANALYZE"))
            planner = Planner(sessions, deployment, lambda: UNTIL)
            rollup_s, _ = await timed(planner.refresh_rollups)
            year = {"first": "2025-12-01", "last": "2026-11-30"}
            region_s = await best_of(3, lambda: planner.report(PlannerQuery(region="siegburg", **year), "de"))
            all_s = await best_of(3, lambda: planner.report(PlannerQuery(**year), "de"))
            raw = text(_RAW.format(hour=_HOURLY[backend]))
            params = {"since": UNTIL - dt.timedelta(days=365), "until": UNTIL}

            async def raw_group_by() -> None:
                async with sessions() as session:
                    (await session.execute(raw, params)).all()

            raw_s = await best_of(3, raw_group_by)
            return Row(backend, summary.events, seed_s, rollup_s, region_s, all_s, raw_s)
        finally:
            await engine.dispose()


def print_table(rows: list[Row]) -> None:
    print()
    header = ("backend", "events", "seed", "roll-up", "page 1 region", "page 4 regions", "raw GROUP BY", "goal")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        goal = (
            ""
            if row.events < 900_000 or row.events > 2_000_000
            else ("PASS" if max(row.page_region_s, row.page_all_s) < PAGE_GOAL_SECONDS else "FAIL")
        )
        print(
            f"| {row.backend} | {row.events:,} | {row.seed_s:.1f} s | {row.rollup_s:.1f} s | "
            f"{row.page_region_s:.2f} s | {row.page_all_s:.2f} s | {row.raw_s:.2f} s | {goal} |"
        )


async def main(sizes: list[int], backends: list[str]) -> None:
    rows = []
    for events in sizes:
        for backend in backends:
            row = await bench(backend, events)
            print(f"{backend} {row.events:,} events: seed {row.seed_s:.1f} s, roll-up {row.rollup_s:.1f} s", flush=True)
            rows.append(row)
    print_table(rows)


def _sizes(text_value: str) -> list[int]:
    return [int(float(part)) for part in text_value.split(",") if part]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=_sizes, default=_sizes("1e5,1e6,1e7"), help="sizes, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite, postgresql or both")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.backends.split(",")))
