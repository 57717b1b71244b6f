"""The worklist page's queries over a large backlog: the time to read one page (the count and
50 rows with their holders and links), sorted by each column, on PostgreSQL and on SQLite.

Run: .venv/bin/python bench/worklist.py [--backlog N] [--repeat R]
Goal: on PostgreSQL, the first page sorted by any column within 250 ms (median) over 100,000
open concerns of the counsellor's four regions.

The backlog is bench/claims.py's (four regions, due times over ten days), plus a customer name
on two concerns in three, six languages, and one in twenty held by a colleague. Each query runs
`repeat` times after one warm-up; the table shows median and slowest.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bench.claims import ADMIN_URL, BACKLOG, _admin, _analyse, _engine, postgres_database, prepare, sqlite_database
from callbacks.worklist import SORT_KEYS, Filters, Order, worklist_page
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from formatting.locales import language_name
from storage.engine import session_factory

PAGE_SIZE = 50
REPEAT = 10
GOAL_MS = 250.0
LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru")


async def _spread(url: str, holder: int) -> None:
    """Names, languages and claims over the backlog, in plain SQL both dialects understand."""
    engine = _engine(url, 1)
    languages = " ".join(f"WHEN {n} THEN '{code}'" for n, code in enumerate(LANGUAGES))
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"UPDATE concerns SET language = CASE id % {len(LANGUAGES)} {languages} END"))
            await connection.execute(text("UPDATE concerns SET customer_name = 'Kundin ' || id WHERE id % 3 <> 0"))
            await connection.execute(
                text("UPDATE concerns SET claimed_by = :holder, claim_expires_at = :until WHERE id % 20 = 0"),
                {"holder": holder, "until": dt.datetime.now(dt.UTC) + dt.timedelta(days=1)},
            )
        await _analyse(engine)
    finally:
        await engine.dispose()


async def measure(url: str, repeat: int) -> list[tuple[str, str, float, float]]:
    """(column, page, median ms, slowest ms) per sort column, for the first and a late page."""
    deployment = load_deployment(EXAMPLE_DEPLOYMENT)
    regions = [region.id for region in deployment.regions]
    labels = {
        "region": {r.id: r.name for r in deployment.regions},
        "language": {code: language_name(code, "de") for code in LANGUAGES},
        "topic": {t.id: t.name for t in deployment.topics},
    }
    engine = _engine(url, 1)
    sessions = session_factory(engine)
    results = []
    try:
        for key in SORT_KEYS:
            for number in (1, 500):
                timings = []
                for _ in range(repeat + 1):
                    began = time.perf_counter()
                    async with sessions() as session:
                        page = await worklist_page(
                            session,
                            Filters(regions=regions),
                            Order(key=key, labels=labels),
                            now=dt.datetime.now(dt.UTC),
                            number=number,
                            size=PAGE_SIZE,
                        )
                    timings.append(1000 * (time.perf_counter() - began))
                    assert len(page.rows) == PAGE_SIZE, (key, number, len(page.rows))
                timings = timings[1:]  # the warm-up
                results.append((key, str(number), statistics.median(timings), max(timings)))
    finally:
        await engine.dispose()
    return results


async def bench_backend(name: str, url: str, backlog: int, repeat: int) -> list[tuple[str, str, str, float, float]]:
    counsellors = await prepare(url, backlog)
    await _spread(url, counsellors[0])
    return [(name, *row) for row in await measure(url, repeat)]


def print_table(rows: list[tuple[str, str, str, float, float]]) -> None:
    print(f"\n{'database':<11} {'sorted by':<10} {'page':>5} {'median ms':>10} {'slowest ms':>11}")
    for backend, key, page, median, slowest in rows:
        print(f"{backend:<11} {key:<10} {page:>5} {median:>10.1f} {slowest:>11.1f}")


async def _main(backlog: int, repeat: int) -> int:
    rows: list[tuple[str, str, str, float, float]] = []
    try:
        await _admin("SELECT 1")
    except (OSError, DBAPIError, TimeoutError) as unreachable:
        print(f"PostgreSQL at {make_url(ADMIN_URL).render_as_string()} is not reachable ({unreachable}): SQLite only.")
    else:
        async with postgres_database() as url:
            rows += await bench_backend("PostgreSQL", url, backlog, repeat)
    async with sqlite_database() as url:
        rows += await bench_backend("SQLite", url, backlog, repeat)
    print_table(rows)
    first_pages = [median for backend, _key, page, median, _ in rows if backend == "PostgreSQL" and page == "1"]
    if not first_pages:
        print(f"\nGoal: PostgreSQL, first page by any column ≤ {GOAL_MS:.0f} ms: NOT MEASURED")
        return 0
    slowest = max(first_pages)
    verdict = "PASS" if slowest <= GOAL_MS else "MISS"
    print(f"\nGoal: PostgreSQL, first page by any column ≤ {GOAL_MS:.0f} ms: {verdict} (slowest {slowest:.1f} ms)")
    return 0 if verdict == "PASS" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backlog", type=int, default=BACKLOG, help="open concerns (default 100,000)")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="timed runs per query (default 10)")
    options = parser.parse_args()
    return asyncio.run(_main(options.backlog, options.repeat))


if __name__ == "__main__":
    sys.exit(main())
