"""The auditor's call-log search at scale: a year of 10^6 contact events, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/audit_search.py [--events 1e6] [--backends sqlite,postgresql] [--keep DIR]
Goal: every search of the call log under 1 s on a year of a large district (issue 14).

For each backend, a fresh database (PostgreSQL: a database of its own on the loopback server;
SQLite: a temp file), migrated to head, seeded by `planning.demo.seed` (the generator behind
`hotline demo seed`; 1e6 events is `--days 365 --calls-per-weekday 137`), ANALYZEd, then each
search below is timed as the page runs it (`search_call_log`, one page of 50), best of three:
first pages over the whole year in either order, a page deep in the year (by its keyset cursor),
every filter alone and combined, the rarest kinds (where an index on time alone would read the
whole year to fill a page), a contact's timeline, and the CSV export of a busy week.
With --keep DIR the databases are kept (SQLite in DIR, PostgreSQL by name) and reused next run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text

import migrations.tables  # noqa: F401  (registers every slice's tables)
from audit.call_log import CallLogQuery, Cursor, search_call_log, stream_call_log
from audit.timeline import contact_timeline
from bench.databases import ADMIN_URL, admin, url_of
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from migrations.runner import upgrade
from planning.demo import count_contact_events, seed
from storage.engine import Sessions, create_engine, session_factory

EVENTS_PER_CALL_RATE = 109_421 / 15  # a year of the example deployment per call a weekday and region
UNTIL = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
YEAR = {"since": UNTIL - dt.timedelta(days=365), "until": UNTIL}
GOAL_SECONDS = 1.0
KEPT_DATABASE = "hotline_bench_audit_search"


@asynccontextmanager
async def database(backend: str, keep: Path | None) -> AsyncIterator[str]:
    if backend == "postgresql":
        name = KEPT_DATABASE if keep else f"hotline_bench_audit_{os.getpid()}"
        exists = keep is not None and await _exists(name)
        if not exists:
            await admin(f'CREATE DATABASE "{name}"')
        try:
            yield url_of(name)
        finally:
            if keep is None:
                await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    elif keep is not None:
        yield f"sqlite:///{keep / 'audit-search.db'}"
    else:
        with tempfile.TemporaryDirectory(prefix="hotline-bench-") as scratch:
            yield f"sqlite:///{Path(scratch) / 'audit-search.db'}"


async def _exists(name: str) -> bool:
    engine = create_engine(ADMIN_URL, pool_size=1)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            return found.first() is not None
    finally:
        await engine.dispose()


async def best_of(runs: int, work: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return min(times)


def searches(middle: Cursor, counsellor: int) -> list[tuple[str, CallLogQuery, Cursor | None]]:
    """(name, query, cursor): what an auditor asks of a year, from broad to needle-in-a-haystack."""
    year = CallLogQuery(**YEAR)
    week = CallLogQuery(since=UNTIL - dt.timedelta(days=7), until=UNTIL)

    def of(**changes: Any) -> CallLogQuery:
        return CallLogQuery(**(YEAR | changes))

    return [
        ("year, newest first", year, None),
        ("year, oldest first", of(order="oldest"), None),
        ("year, a page in mid-year", year, middle),
        ("week, newest first", week, None),
        ("region", of(region="siegburg"), None),
        ("channel callback", of(channel="callback"), None),
        ("channel web_form (rare)", of(channel="web_form"), None),
        ("kind abandoned", of(kind="abandoned"), None),
        ("kind concern_settled + region", of(kind="concern_settled", region="eitorf"), None),
        ("kind counselling_no_show (rare)", of(kind="counselling_no_show"), None),
        ("kind concern_unreachable (none)", of(kind="concern_unreachable"), None),
        ("outcome abandoned", of(outcome="abandoned"), None),
        ("outcome voicemail + region", of(outcome="voicemail", region="troisdorf"), None),
        ("outcome closed_line, oldest first", of(outcome="closed_line", order="oldest"), None),
        ("outcome unreachable (none)", of(outcome="unreachable"), None),
        ("counsellor", of(counsellor=counsellor), None),
        ("all filters", of(region="siegburg", channel="phone", kind="abandoned", outcome="abandoned"), None),
    ]


async def run(backend: str, events: int, keep: Path | None) -> list[tuple[str, str, float]]:
    deployment = load_deployment(EXAMPLE_DEPLOYMENT)
    rows: list[tuple[str, str, float]] = []
    async with database(backend, keep) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            sessions = session_factory(engine)
            if await count_contact_events(sessions) == 0:
                started = time.perf_counter()
                await seed(
                    sessions,
                    deployment,
                    Pseudonymiser("bench"),
                    days=365,
                    until=UNTIL,
                    calls_per_weekday=events / EVENTS_PER_CALL_RATE,
                )
                print(f"{backend}: seeded in {time.perf_counter() - started:.0f} s", flush=True)
                async with engine.connect() as connection:
                    await connection.execute(text("ANALYZE"))
                    await connection.commit()
            total = await count_contact_events(sessions)
            rows += await _measure(backend, total, sessions)
        finally:
            await engine.dispose()
    return rows


async def _measure(backend: str, total: int, sessions: Sessions) -> list[tuple[str, str, float]]:
    label = f"{backend}, {total:,} events"
    async with sessions() as session:
        middle_at = UNTIL - dt.timedelta(days=180)
        found = await session.execute(
            select(ContactEvent.occurred_at, ContactEvent.id, ContactEvent.reference)
            .where(ContactEvent.occurred_at >= middle_at, ContactEvent.kind == "abandoned")
            .order_by(ContactEvent.occurred_at)
            .limit(1)
        )
        at, key, call = found.one()
        presence = await session.scalar(
            select(ContactEvent.reference).where(ContactEvent.kind == "counsellor_available").limit(1)
        )
    counsellor = int((presence or "counsellor:1").rpartition(":")[2])
    rows = []
    for name, query, cursor in searches(Cursor(at, key), counsellor):

        async def page(query: CallLogQuery = query, cursor: Cursor | None = cursor) -> None:
            async with sessions() as session:
                await search_call_log(session, query, after=cursor)

        rows.append((label, name, await best_of(3, page)))

    async def timeline() -> None:
        async with sessions() as session:
            await contact_timeline(session, call)

    rows.append((label, "timeline of one call", await best_of(3, timeline)))

    async def export_week() -> None:
        async for _ in stream_call_log(sessions, CallLogQuery(since=UNTIL - dt.timedelta(days=7), until=UNTIL)):
            pass

    rows.append((label, "CSV rows of a week (all of them)", await best_of(1, export_week)))
    return rows


def print_table(rows: list[tuple[str, str, float]]) -> None:
    print()
    print("| database | search (one page of 50, a year) | best of 3 | goal < 1 s |")
    print("|---|---|---|---|")
    for database_label, name, seconds in rows:
        verdict = "" if name.startswith("CSV") else ("PASS" if seconds < GOAL_SECONDS else "FAIL")
        print(f"| {database_label} | {name} | {seconds * 1000:,.0f} ms | {verdict} |")


async def main(events: int, backends: list[str], keep: Path | None) -> None:
    rows = []
    for backend in backends:
        rows += await run(backend, events, keep)
    print_table(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=lambda v: int(float(v)), default=1_000_000, help="about how many")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--keep", type=Path, default=None, help="keep and reuse the databases (SQLite in DIR)")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(args.events, args.backends.split(","), args.keep))
