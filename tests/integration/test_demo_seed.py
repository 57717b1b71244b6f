"""`hotline demo seed` on SQLite and PostgreSQL: the contact log holds exactly the generated events,
each one valid, and seeding the same span again writes nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from contacts.service import contact_event_row, list_contact_events
from contacts.vocabulary import CONTACT_CHANNELS, CONTACT_KINDS
from planning.demo import count_contact_events, demo_events, seed
from planning.event_writer import COLUMNS
from tests.processes import hotline_env
from tests.processes import run_hotline as run
from tests.support import TEST_SECRET

DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
PSEUDONYMS = Pseudonymiser(TEST_SECRET)
UNTIL = dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC)
DAYS = 35
CALLS = 6.0  # per region and weekday: small, so the test stays quick


async def test_a_month_is_seeded_as_generated_and_every_event_is_valid(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    summary = await seed(
        sessions, DEPLOYMENT, PSEUDONYMS, days=DAYS, until=UNTIL, seed=1, calls_per_weekday=CALLS, batch=700
    )
    assert summary.events == summary.generated > 1000
    assert summary.calls > 0 and summary.concerns > 0

    async with sessions() as session:
        stored = await list_contact_events(session, since=UNTIL - dt.timedelta(days=DAYS), until=UNTIL, limit=10**6)
    expected = [
        row
        for batch in demo_events(DEPLOYMENT, PSEUDONYMS, days=DAYS, until=UNTIL, seed=1, calls_per_weekday=CALLS)
        for row in batch
    ]
    assert sorted(map(_columns, stored), key=_key) == sorted(expected, key=_key)
    for event in stored:
        assert event.channel in CONTACT_CHANNELS and event.kind in CONTACT_KINDS
        contact_event_row(  # raises on anything like a phone number in the reference or detail
            at=event.occurred_at,
            channel=event.channel,
            kind=event.kind,
            region=event.region,
            reference=event.reference,
            detail=event.detail,
        )
    weekdays = Counter(e.occurred_at.astimezone(DEPLOYMENT.zone).weekday() for e in stored if e.kind == "call_received")
    assert weekdays[0] > weekdays[4]
    closed = sum(e.kind == "closed_line" for e in stored) / sum(e.kind == "call_received" for e in stored)
    assert 0.15 < closed < 0.4


async def test_seeding_the_same_span_again_writes_nothing_and_a_longer_one_only_the_new_days(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = await seed(sessions, DEPLOYMENT, PSEUDONYMS, days=7, until=UNTIL, seed=2, calls_per_weekday=CALLS)
    again = await seed(sessions, DEPLOYMENT, PSEUDONYMS, days=7, until=UNTIL, seed=2, calls_per_weekday=CALLS)
    assert again.events == 0 and again.generated == first.generated
    longer = await seed(sessions, DEPLOYMENT, PSEUDONYMS, days=10, until=UNTIL, seed=2, calls_per_weekday=CALLS)
    assert 0 < longer.events == longer.generated - first.generated
    assert await count_contact_events(sessions) == first.events + longer.events


def test_the_command_seeds_once_with_if_empty(tmp_path: Path, database_url: str, engine: AsyncEngine) -> None:
    env = hotline_env(tmp_path / "var", HOTLINE_DATABASE_URL=database_url)
    args = ["demo", "seed", "--days", "3", "--until", "2026-11-30", "--calls-per-weekday", "4", "--if-empty"]
    seeded = run([*args, "--json"], env)
    assert seeded.returncode == 0, seeded.stderr
    summary = json.loads(seeded.stdout)
    assert summary["seeded"] and summary["events"] == summary["generated"] > 0
    assert summary["until"] == "2026-11-30T00:00:00+01:00"

    again = run(args, env)
    assert again.returncode == 0, again.stderr
    assert "nothing seeded (--if-empty)" in again.stdout

    refused = run(["demo", "seed", "--days", "0"], env)
    assert refused.returncode == 2 and '--days: "0" is not a number of days' in refused.stderr


def _columns(event: ContactEvent) -> dict[str, Any]:
    return {column: getattr(event, column) for column in COLUMNS}


def _key(row: dict[str, Any]) -> str:
    return str(row["event_id"])
