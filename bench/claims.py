""" "Take next" under load: claims per second and claim latency for 1, 8 and 32 concurrent
counsellors over a backlog of 100,000 concerns, on PostgreSQL and on SQLite.

Run: .venv/bin/python bench/claims.py [--backlog N] [--seconds S]
Goal: on PostgreSQL, 8 workers claim at least 1,000 concerns a second; never a double claim.

Each backend gets a database of its own (PostgreSQL: a fresh database on the loopback server,
dropped at the end; SQLite: a temp file), migrated to head and filled with one executemany of
synthetic concerns (four regions, due times spread over ten days, one in seven urgent, a few
waiting for a retry or for the customer's window). Every worker loops "open a transaction,
`claim_next` over all four regions, commit" until the run's time budget is spent or the
backlog is empty, timing each claim; between runs every claim and its history are reset.

A double claim is a concern handed to more than one worker within a run; the database must
agree (as many held concerns and "claimed" history entries as claims).

The queue's partial index (free open concerns by due time) comes with the migrations.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import migrations.tables  # noqa: F401  (registers every slice's tables)
from callbacks.claims import claim_next
from callbacks.intake import new_reference
from callbacks.models import Concern
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from migrations.runner import upgrade
from staff.accounts import create_user
from storage.engine import create_engine, session_factory

ADMIN_URL = os.environ.get("HOTLINE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKLOG = 100_000
WORKER_COUNTS = (1, 8, 32)
RUN_SECONDS = 5.0
GOAL_WORKERS = 8
GOAL_CLAIMS_PER_S = 1_000.0
LEASE = dt.timedelta(minutes=15)
COUNSELLORS = 8  # workers beyond this share accounts: the claim is per transaction, not per user
INSERT_CHUNK = 10_000
SEED = 20261126
MAX_ERRORS = 100  # per run: a worker stops claiming after that many failed transactions
PASSWORD = "correct horse battery"


@dataclass
class Run:
    backend: str
    workers: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, one per successful claim
    claimed: list[int] = field(default_factory=list)  # concern ids, in the order they were taken
    errors: Counter[str] = field(default_factory=Counter)
    exhausted: bool = False
    held_in_db: int = 0
    history_in_db: int = 0
    statements: dict[str, float] = field(default_factory=dict)  # seconds spent per statement kind
    commit_seconds: float = 0.0

    @property
    def claims(self) -> int:
        return len(self.claimed)

    @property
    def rate(self) -> float:
        return self.claims / self.seconds if self.seconds else 0.0

    @property
    def double_claims(self) -> int:
        return sum(1 for times in Counter(self.claimed).values() if times > 1)

    @property
    def database_agrees(self) -> bool:
        distinct = len(set(self.claimed))
        return self.held_in_db == distinct and self.history_in_db == self.claims

    def percentile_ms(self, p: int) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Backend:
    name: str
    runs: list[Run] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)  # of the claim query, after the 8-worker run


# -- databases ----------------------------------------------------------------------------------


async def _admin(sql: str) -> None:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        async with asyncio.timeout(10), engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    name = f"hotline_bench_{secrets.token_hex(4)}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as scratch:
        yield f"sqlite:///{Path(scratch) / 'claims.db'}"


def _engine(url: str, workers: int) -> AsyncEngine:
    """PostgreSQL: a connection for every worker and a few to spare. SQLite: the service's own
    engine, one connection per process, so transactions queue in order as they do in service."""
    if url.startswith("sqlite"):
        return create_engine(url, pool_timeout=60)
    return create_engine(url, pool_size=max(workers, 5), max_overflow=5, pool_timeout=60)


# -- the backlog --------------------------------------------------------------------------------


def _backlog_rows(count: int, regions: list[str], topics: list[str], now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Synthetic concerns as the intake writes them, due from five days ago to five days ahead."""
    rng = random.Random(SEED)
    references: set[str] = set()
    channels = ("phone_callback", "voicemail", "walk_in", "web_form", "sms")
    for n in range(count):
        reference = new_reference()
        while reference in references:
            reference = new_reference()
        references.add(reference)
        created_at = now - dt.timedelta(seconds=rng.uniform(0, 10 * 86_400))
        channel = rng.choices(channels, weights=(50, 20, 10, 15, 5))[0]
        urgent = rng.random() < 1 / 7
        due_at = now + dt.timedelta(seconds=rng.uniform(-5 * 86_400, 5 * 86_400))
        if urgent:  # urgent concerns fall due at the end of a working day
            due_at = due_at.replace(hour=16, minute=0, second=0, microsecond=0)
        later = rng.random()
        yield {
            "reference": reference,
            "region": regions[n % len(regions)],
            "channel": channel,
            "status": "open",
            "urgency": "urgent" if urgent else "normal",
            "topic": rng.choice(topics),
            "callback_number": f"+49151{n:08d}",
            "customer_name": None,
            "note": None,
            "language": "de",
            "window_start": now + dt.timedelta(hours=2) if later < 0.02 else None,
            "window_end": now + dt.timedelta(hours=4) if later < 0.02 else None,
            "ad_hoc_talk": False,
            "queued_at": created_at - dt.timedelta(seconds=rng.uniform(30, 900))
            if channel == "phone_callback"
            else None,
            "created_at": created_at,
            "due_at": due_at,
            "source_key": f"bench-claims:{n}",
            "attempts": 1 if 0.02 <= later < 0.05 else 0,
            "next_attempt_at": now + dt.timedelta(minutes=30) if 0.02 <= later < 0.05 else None,
        }


async def prepare(url: str, backlog: int) -> list[int]:
    """Migrate, add counsellors, insert the backlog; returns the counsellors' ids."""
    deployment = load_deployment(EXAMPLE_DEPLOYMENT)
    regions = [region.id for region in deployment.regions]
    topics = [topic.id for topic in deployment.topics]
    engine = _engine(url, 1)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = dt.datetime.now(dt.UTC)
        async with sessions.begin() as session:
            counsellors = [
                (
                    await create_user(
                        session,
                        username=f"bench-{i}",
                        password=PASSWORD,
                        roles=["counsellor"],
                        regions=regions,
                        now=now,
                    )
                ).id
                for i in range(COUNSELLORS)
            ]
        rows = _backlog_rows(backlog, regions, topics, now)
        async with engine.begin() as connection:
            while chunk := list(itertools.islice(rows, INSERT_CHUNK)):
                await connection.execute(insert(Concern), chunk)
        await _analyse(engine)
        return counsellors
    finally:
        await engine.dispose()


async def _analyse(engine: AsyncEngine) -> None:
    """Fresh planner statistics (autovacuum would get there too, just not on the bench's clock)."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE concerns"))
            await connection.execute(text("VACUUM ANALYZE concern_entries"))
        else:
            await connection.execute(text("ANALYZE"))
            await connection.commit()


async def reset_claims(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE concerns SET claimed_by = NULL, claim_expires_at = NULL WHERE claimed_by IS NOT NULL")
        )
        await connection.execute(text("DELETE FROM concern_entries"))
    await _analyse(engine)


# -- the measurement ----------------------------------------------------------------------------


def _statement_label(statement: str) -> str:
    words = statement.split()
    verb = words[0].upper()
    if verb == "SELECT":
        return "select next (claim query)"  # the only SELECT a claim sends
    if verb == "INSERT":
        return f"insert {words[2]}"
    return " ".join(words[:2]).lower() if verb != "UPDATE" else f"update {words[1]}"


@contextmanager
def _statement_timer(engine: AsyncEngine, into: dict[str, float]) -> Iterator[dict[str, Any]]:
    """Adds up the time per kind of statement; keeps the first claim query and its parameters."""
    first_claim_query: dict[str, Any] = {}
    started: dict[int, float] = {}

    def before(_conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        started[id(cursor)] = time.perf_counter()
        if not first_claim_query and statement.lstrip().upper().startswith("SELECT"):
            first_claim_query.update(statement=statement, parameters=parameters)

    def after(_conn: Any, cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        began = started.pop(id(cursor), None)
        if began is not None:
            label = _statement_label(statement)
            into[label] = into.get(label, 0.0) + time.perf_counter() - began

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        yield first_claim_query
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after)


async def measure(
    backend: str, url: str, counsellors: list[int], workers: int, seconds: float, regions: list[str]
) -> tuple[Run, dict[str, Any]]:
    run = Run(backend, workers)
    engine = _engine(url, workers)
    sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
    try:
        await reset_claims(engine)
        # Open the pool's connections first, so connecting is not measured as claiming.
        async with asyncio.TaskGroup() as warmup:
            for _ in range(workers):
                warmup.create_task(_touch(engine))
        with _statement_timer(engine, run.statements) as claim_query:
            started = time.perf_counter()
            deadline = started + seconds
            async with asyncio.TaskGroup() as group:
                for index in range(workers):
                    group.create_task(_worker(sessions, counsellors[index % len(counsellors)], regions, deadline, run))
            run.seconds = time.perf_counter() - started
        async with engine.connect() as connection:
            run.held_in_db = await connection.scalar(text("SELECT count(*) FROM concerns WHERE claimed_by IS NOT NULL"))
            run.history_in_db = await connection.scalar(
                text("SELECT count(*) FROM concern_entries WHERE kind = 'claimed'")
            )
        return run, claim_query
    finally:
        await engine.dispose()


async def _touch(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        await asyncio.sleep(0.05)  # hold it, so the others open connections of their own


async def _worker(
    sessions: async_sessionmaker[AsyncSession], user_id: int, regions: list[str], deadline: float, run: Run
) -> None:
    while time.perf_counter() < deadline and not run.exhausted:
        began = time.perf_counter()
        try:
            async with sessions() as session:
                async with session.begin():
                    concern = await claim_next(
                        session, user_id=user_id, regions=regions, now=dt.datetime.now(dt.UTC), lease=LEASE
                    )
                    concern_id = None if concern is None else concern.id
                    committing = time.perf_counter()
                run.commit_seconds += time.perf_counter() - committing
        except DBAPIError as error:  # e.g. SQLite's "database is locked" after the busy timeout
            run.errors[type(error.orig).__name__ if error.orig else type(error).__name__] += 1
            if sum(run.errors.values()) >= MAX_ERRORS:
                return
            continue
        if concern_id is None:
            run.exhausted = True
            return
        run.latencies.append(time.perf_counter() - began)
        run.claimed.append(concern_id)


async def explain_claim(url: str, claim_query: dict[str, Any]) -> list[str]:
    """The plan of the exact claim query a worker sent: EXPLAIN ANALYZE on PostgreSQL (rolled
    back, as it locks a row), EXPLAIN QUERY PLAN on SQLite."""
    engine = _engine(url, 1)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            if engine.dialect.name == "postgresql":
                explain, column = "EXPLAIN (ANALYZE, BUFFERS) ", 0
            else:
                explain, column = "EXPLAIN QUERY PLAN ", 3
            result = await connection.exec_driver_sql(explain + claim_query["statement"], claim_query["parameters"])
            plan = [str(row[column]) for row in result]
            await transaction.rollback()
        return plan
    finally:
        await engine.dispose()


async def bench_backend(backend: str, url: str, backlog: int, seconds: float) -> Backend:
    deployment = load_deployment(EXAMPLE_DEPLOYMENT)
    regions = [region.id for region in deployment.regions]
    began = time.perf_counter()
    counsellors = await prepare(url, backlog)
    print(f"{backend}: {backlog:,} concerns ready in {time.perf_counter() - began:.1f} s", flush=True)
    result = Backend(backend)
    for workers in WORKER_COUNTS:
        run, claim_query = await measure(backend, url, counsellors, workers, seconds, regions)
        result.runs.append(run)
        print(f"  {workers:>2} workers: {run.claims:,} claims in {run.seconds:.1f} s", flush=True)
        if workers == GOAL_WORKERS and claim_query:
            result.plan = await explain_claim(url, claim_query)
    return result


# -- the report ---------------------------------------------------------------------------------


def print_table(runs: list[Run]) -> None:
    header = ("backend", "workers", "claims", "claims/s", "p50 ms", "p99 ms", "double claims", "errors", "note")
    rows = []
    for run in runs:
        notes = []
        if run.exhausted:
            notes.append("backlog exhausted")
        if not run.database_agrees:
            notes.append(f"DATABASE DISAGREES: held {run.held_in_db}, history {run.history_in_db}")
        rows.append(
            (
                run.backend,
                str(run.workers),
                f"{run.claims:,}",
                f"{run.rate:,.0f}",
                f"{run.percentile_ms(50):.1f}",
                f"{run.percentile_ms(99):.1f}",
                str(run.double_claims),
                ", ".join(f"{n} {kind}" for kind, n in run.errors.items()) or "0",
                "; ".join(notes),
            )
        )
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    print()
    for cells in (header, *rows):
        # Text columns (backend, note) to the left, numbers to the right.
        print(
            "  ".join(
                c.ljust(w) if i in (0, 8) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )


def print_breakdown(backend: Backend) -> None:
    """Where a claim's time goes: mean milliseconds per claim by statement (as the client waits
    for it, so with many workers it includes waiting for a CPU), and for the commit."""
    runs = [run for run in backend.runs if run.workers in (1, GOAL_WORKERS) and run.claims]
    if not runs:
        return
    parts = [{**run.statements, "commit": run.commit_seconds} for run in runs]
    labels = sorted({label for part in parts for label in part}, key=lambda label: -parts[0].get(label, 0.0))
    print(f"\nPer claim on {backend.name}, mean ms:" + "".join(f"  {run.workers:>3} worker(s)" for run in runs))
    for label in labels:
        cells = "".join(
            f"  {1000 * part.get(label, 0.0) / run.claims:14.2f}" for run, part in zip(runs, parts, strict=True)
        )
        print(f"  {label:<28}{cells}")
    cells = "".join(f"  {1000 * run.seconds * run.workers / run.claims:14.2f}" for run in runs)
    print(f"  {'wall time per claim / worker':<28}{cells}")
    if backend.plan:
        title = "EXPLAIN ANALYZE" if backend.name == "PostgreSQL" else "EXPLAIN QUERY PLAN"
        print(f"\n{title} of the claim query on {backend.name} (after the {GOAL_WORKERS}-worker run):")
        for line in backend.plan:
            print(f"  {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backlog", type=int, default=BACKLOG, help="concerns in the queue (default 100,000)")
    parser.add_argument("--seconds", type=float, default=RUN_SECONDS, help="time budget per run (default 5)")
    options = parser.parse_args()
    return asyncio.run(_main(options.backlog, options.seconds))


async def _main(backlog: int, seconds: float) -> int:
    began = time.perf_counter()
    backends: list[Backend] = []
    try:
        await _admin("SELECT 1")
    except (OSError, DBAPIError, TimeoutError) as unreachable:
        reason = str(unreachable).strip().splitlines()[0] if str(unreachable).strip() else type(unreachable).__name__
        print(f"PostgreSQL at {make_url(ADMIN_URL).render_as_string()} is not reachable ({reason}): SQLite only.")
    else:
        async with postgres_database() as url:
            backends.append(await bench_backend("PostgreSQL", url, backlog, seconds))
    async with sqlite_database() as url:
        backends.append(await bench_backend("SQLite", url, backlog, seconds))

    runs = [run for backend in backends for run in backend.runs]
    print_table(runs)
    goal = next((r for r in runs if r.backend == "PostgreSQL" and r.workers == GOAL_WORKERS), None)
    if goal is None:
        print(f"\nGoal: PostgreSQL, {GOAL_WORKERS} workers ≥ {GOAL_CLAIMS_PER_S:,.0f} claims/s: NOT MEASURED")
    else:
        verdict = "PASS" if goal.rate >= GOAL_CLAIMS_PER_S and goal.double_claims == 0 else "MISS"
        print(
            f"\nGoal: PostgreSQL, {GOAL_WORKERS} workers ≥ {GOAL_CLAIMS_PER_S:,.0f} claims/s: "
            f"{verdict} ({goal.rate:,.0f} claims/s)"
        )
    for backend in backends:
        print_breakdown(backend)
    doubles = sum(run.double_claims for run in runs)
    disagreements = sum(not run.database_agrees for run in runs)
    print(f"\nDouble claims: {doubles} (must be 0). Total time {time.perf_counter() - began:.0f} s.")
    return 1 if doubles or disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
