"""Claiming concerns on SQLite and PostgreSQL: queue order, what is skipped, leases, and that
many counsellors claiming at once never hold the same concern."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callbacks.claims import ClaimConflict, claim, claim_next, expire_leases, release
from callbacks.intake import NewConcern, raise_concern
from callbacks.models import Concern, ConcernEntry
from config.deployment import Deployment
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.pseudonyms import Pseudonymiser
from staff.accounts import create_user
from tests.support import TEST_SECRET, ManualClock

DEPLOYMENT: Deployment = load_deployment(EXAMPLE_DEPLOYMENT)
PSEUDONYMS = Pseudonymiser(TEST_SECRET)
PASSWORD = "correct horse battery"
LEASE = dt.timedelta(minutes=15)
SIEGBURG = ["siegburg"]


async def _counsellors(sessions: async_sessionmaker[AsyncSession], clock: ManualClock, *names: str) -> list[int]:
    async with sessions.begin() as session:
        return [
            (await create_user(session, username=name, password=PASSWORD, roles=["counsellor"], now=clock())).id
            for name in names
        ]


async def _raise(
    session: AsyncSession,
    clock: ManualClock,
    n: int,
    *,
    region: str = "siegburg",
    channel: Any = "phone_callback",
    **fields: Any,
) -> Concern:
    """Concern number `n` (its own callback number and delivery), then `fields` set on it."""
    new = NewConcern.check(
        {
            "region": region,
            "channel": channel,
            "language": "de",
            "source_key": f"test-claims:{n}",
            "callback_number": f"+49151000{n:05d}",
        }
        # A walk-in is typed in at the desk: topic and note are part of it.
        | ({"topic": "other", "note": "Am Empfang"} if channel == "walk_in" else {}),
        deployment=DEPLOYMENT,
        now=clock(),
    )
    intake = await raise_concern(session, new, deployment=DEPLOYMENT, now=clock(), pseudonymiser=PSEUDONYMS)
    assert intake.created
    for name, value in fields.items():
        setattr(intake.concern, name, value)
    await session.flush()
    return intake.concern


async def _take_next(
    sessions: async_sessionmaker[AsyncSession], user_id: int, now: dt.datetime, regions: list[str] = SIEGBURG
) -> int | None:
    """One "take next" as a request does it: its own transaction, committed."""
    async with sessions.begin() as session:
        concern = await claim_next(session, user_id=user_id, regions=regions, now=now, lease=LEASE)
        return None if concern is None else concern.id


async def _drain(
    sessions: async_sessionmaker[AsyncSession], user_id: int, now: dt.datetime, regions: list[str] = SIEGBURG
) -> list[int]:
    taken: list[int] = []
    while (concern_id := await _take_next(sessions, user_id, now, regions)) is not None:
        taken.append(concern_id)
    return taken


async def _claim_by_id(
    sessions: async_sessionmaker[AsyncSession], concern_id: int, user_id: int, now: dt.datetime
) -> Concern:
    async with sessions.begin() as session:
        concern = await session.get(Concern, concern_id)
        assert concern is not None
        return await claim(session, concern, user_id=user_id, now=now, lease=LEASE)


async def _holder(sessions: async_sessionmaker[AsyncSession], concern_id: int) -> int | None:
    async with sessions() as session:
        return await session.scalar(select(Concern.claimed_by).where(Concern.id == concern_id))


async def _until_waiting_or_done(engine: AsyncEngine, task: asyncio.Task[Any]) -> None:
    """Until `task` is done or (PostgreSQL) some transaction waits on a row lock; SQLite shows
    no waiting writers, so there it is given 0.3 s."""
    if engine.dialect.name != "postgresql":
        await asyncio.wait({task}, timeout=0.3)
        return
    async with asyncio.timeout(5), engine.connect() as connection:
        while not task.done() and not await connection.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
            await connection.rollback()  # a fresh look at pg_locks each time
            await asyncio.sleep(0.02)


# -- queue order and what "take next" skips ---------------------------------------------------


async def test_take_next_goes_by_due_time_then_urgency_then_queue_time_then_creation(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    [anna] = await _counsellors(sessions, clock, "anna")
    t0 = clock()
    due = t0 + dt.timedelta(hours=2)
    ids: dict[str, int] = {}
    async with sessions.begin() as session:
        # Raised in an order unlike the queue order, so the insertion order proves nothing.
        plan: list[tuple[str, dict[str, Any]]] = [
            ("normal, due later", {"due_at": due + dt.timedelta(minutes=1), "urgency": "normal"}),
            ("normal, queued 09:10", {"due_at": due, "urgency": "normal", "queued_at": t0 - dt.timedelta(minutes=20)}),
            ("urgent, queued 09:25", {"due_at": due, "urgency": "urgent", "queued_at": t0 - dt.timedelta(minutes=5)}),
            ("normal, queued 09:00", {"due_at": due, "urgency": "normal", "queued_at": t0 - dt.timedelta(minutes=30)}),
            ("due first", {"due_at": due - dt.timedelta(minutes=1), "urgency": "normal"}),
            ("urgent, queued 09:15", {"due_at": due, "urgency": "urgent", "queued_at": t0 - dt.timedelta(minutes=15)}),
            # Same due time and urgency, no queue time: the older one first.
            (
                "later, created 09:20",
                {"due_at": due + dt.timedelta(minutes=5), "created_at": t0 - dt.timedelta(minutes=10)},
            ),
            (
                "later, created 09:05",
                {"due_at": due + dt.timedelta(minutes=5), "created_at": t0 - dt.timedelta(minutes=25)},
            ),
        ]
        for n, (label, fields) in enumerate(plan):
            ids[label] = (await _raise(session, clock, n, **fields)).id
    label_of = {concern_id: label for label, concern_id in ids.items()}

    taken = await _drain(sessions, anna, clock())

    assert [label_of[c] for c in taken] == [
        "due first",
        "urgent, queued 09:15",
        "urgent, queued 09:25",
        "normal, queued 09:00",
        "normal, queued 09:10",
        "normal, due later",
        "later, created 09:05",
        "later, created 09:20",
    ]


async def test_a_callers_queue_time_counts_as_their_age_against_other_channels(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """Same due time and urgency (urgent concerns of one day all fall due at its end): a walk-in
    who came at 08:00 goes before a caller who joined the phone queue at 09:00."""
    [anna] = await _counsellors(sessions, clock, "anna")
    t0 = clock()
    due = t0 + dt.timedelta(hours=6)
    async with sessions.begin() as session:
        caller = await _raise(session, clock, 1, urgency="urgent", due_at=due, queued_at=t0 - dt.timedelta(minutes=30))
        walk_in = await _raise(
            session, clock, 2, channel="walk_in", urgency="urgent", due_at=due, created_at=t0 - dt.timedelta(minutes=90)
        )
        assert walk_in.queued_at is None

    assert await _drain(sessions, anna, clock()) == [walk_in.id, caller.id]


async def test_take_next_skips_what_is_not_ready_closed_held_or_of_another_region(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    anna, ben = await _counsellors(sessions, clock, "anna", "ben")
    t0 = clock()
    async with sessions.begin() as session:
        ready = await _raise(session, clock, 1, due_at=t0 + dt.timedelta(hours=1))
        window_begun = await _raise(session, clock, 2, window_start=t0, due_at=t0 + dt.timedelta(hours=2))
        await _raise(session, clock, 3, next_attempt_at=t0 + dt.timedelta(minutes=30), due_at=t0)
        window_later = await _raise(session, clock, 4, window_start=t0 + dt.timedelta(minutes=10), due_at=t0)
        await _raise(session, clock, 5, status="closed", due_at=t0)
        await _raise(session, clock, 6, status="unreachable", due_at=t0)
        elsewhere = await _raise(session, clock, 7, region="eitorf", due_at=t0)
        held = await _raise(session, clock, 8, due_at=t0)
    assert await _take_next(sessions, ben, t0) == held.id  # due first: Ben holds it until t0 + 15 minutes

    clock.advance(minutes=1)
    assert await _drain(sessions, anna, clock()) == [ready.id, window_begun.id]

    clock.advance(minutes=9)  # the customer's window begins
    assert await _drain(sessions, anna, clock()) == [window_later.id]
    assert await _drain(sessions, anna, clock(), ["eitorf"]) == [elsewhere.id]

    clock.advance(minutes=4, seconds=59)
    assert await _drain(sessions, anna, clock()) == []
    clock.advance(seconds=1)  # Ben's lease has run out; Anna's claims still hold
    assert await _drain(sessions, anna, clock()) == [held.id]
    assert await _holder(sessions, held.id) == anna


async def test_take_next_serves_only_the_given_regions(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    [anna] = await _counsellors(sessions, clock, "anna")
    t0 = clock()
    async with sessions.begin() as session:
        siegburg = await _raise(session, clock, 1, region="siegburg", due_at=t0 + dt.timedelta(hours=3))
        troisdorf = await _raise(session, clock, 2, region="troisdorf", due_at=t0 + dt.timedelta(hours=2))
        await _raise(session, clock, 3, region="eitorf", due_at=t0 + dt.timedelta(hours=1))

    assert await _drain(sessions, anna, clock(), ["siegburg", "troisdorf"]) == [troisdorf.id, siegburg.id]
    assert await _drain(sessions, anna, clock(), []) == []


async def test_a_claim_commits_without_waiting_for_the_disk_and_nothing_else_does(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    [anna] = await _counsellors(sessions, clock, "anna")
    async with sessions.begin() as session:
        concern = await _raise(session, clock, 1)
    postgres = sessions.kw["bind"].dialect.name == "postgresql"
    durable = text("SHOW synchronous_commit") if postgres else text("PRAGMA synchronous")
    async with sessions.begin() as session:
        before = await session.scalar(durable)
        claimed = await claim_next(session, user_id=anna, regions=SIEGBURG, now=clock(), lease=LEASE)
        assert claimed is not None and claimed.id == concern.id
        during = await session.scalar(durable)
    async with sessions.begin() as session:
        after = await session.scalar(durable)
    # PostgreSQL: only the claim's transaction skips the WAL flush (a lease, lost at worst).
    # SQLite: WAL at synchronous=NORMAL (1) never waits for the disk on commit, for anything.
    assert (before, during, after) == (("on", "off", "on") if postgres else (1, 1, 1))
    assert await _holder(sessions, concern.id) == anna


# -- many counsellors at once ------------------------------------------------------------------


async def test_many_counsellors_taking_next_at_once_never_get_the_same_concern(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    concerns, workers = 200, 16
    counsellors = await _counsellors(sessions, clock, *(f"counsellor-{i}" for i in range(workers)))
    regions = [region.id for region in DEPLOYMENT.regions]
    t0 = clock()
    async with sessions.begin() as session:
        for n in range(concerns):
            await _raise(
                session,
                clock,
                n,
                region=regions[n % len(regions)],
                due_at=t0 + dt.timedelta(minutes=n % 37),
                urgency="urgent" if n % 5 == 0 else "normal",
            )
    async with sessions() as session:
        everything = set(await session.scalars(select(Concern.id)))
    assert len(everything) == concerns

    async def work(user_id: int) -> list[int]:
        taken: list[int] = []
        # Each claim is its own transaction, as each "take next" request is.
        while (concern_id := await _take_next(sessions, user_id, t0, regions)) is not None:
            taken.append(concern_id)
            await asyncio.sleep(0)  # let the others in between claims, as requests would
        return taken

    async with asyncio.timeout(30):
        per_worker = await asyncio.gather(*(work(user_id) for user_id in counsellors))

    claims = Counter(concern_id for taken in per_worker for concern_id in taken)
    assert [c for c, times in claims.items() if times > 1] == []
    assert set(claims) == everything
    async with sessions() as session:
        holders = {row.id: row.claimed_by for row in await session.execute(select(Concern.id, Concern.claimed_by))}
        history = Counter(await session.scalars(select(ConcernEntry.concern_id).where(ConcernEntry.kind == "claimed")))
    owner = {
        concern_id: user_id for user_id, taken in zip(counsellors, per_worker, strict=True) for concern_id in taken
    }
    assert holders == owner
    assert set(history.values()) == {1} and set(history) == everything


# -- claiming one concern ----------------------------------------------------------------------


async def test_a_held_concern_is_refused_to_others_renewed_by_its_holder_and_free_after_the_lease(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    anna, ben = await _counsellors(sessions, clock, "anna", "ben")
    async with sessions.begin() as session:
        concern_id = (await _raise(session, clock, 1)).id
    t0 = clock()
    held = await _claim_by_id(sessions, concern_id, anna, t0)
    assert (held.claimed_by, held.claim_expires_at) == (anna, t0 + LEASE)

    clock.advance(minutes=10)
    with pytest.raises(ClaimConflict, match="bearbeitet gerade"):
        await _claim_by_id(sessions, concern_id, ben, clock())
    renewed = await _claim_by_id(sessions, concern_id, anna, clock())
    assert (renewed.claimed_by, renewed.claim_expires_at) == (anna, clock() + LEASE)

    clock.advance(minutes=14)  # still within the renewed lease
    with pytest.raises(ClaimConflict, match="bearbeitet gerade"):
        await _claim_by_id(sessions, concern_id, ben, clock())
    clock.advance(minutes=1)  # the renewed lease has run out
    taken_over = await _claim_by_id(sessions, concern_id, ben, clock())
    assert (taken_over.claimed_by, taken_over.claim_expires_at) == (ben, clock() + LEASE)
    async with sessions() as session:
        kinds = list(
            await session.scalars(
                select(ConcernEntry.actor_id)
                .where(ConcernEntry.concern_id == concern_id, ConcernEntry.kind == "claimed")
                .order_by(ConcernEntry.id)
            )
        )
    assert kinds == [anna, anna, ben]


async def test_a_closed_concern_cannot_be_claimed(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    [anna] = await _counsellors(sessions, clock, "anna")
    async with sessions.begin() as session:
        concern_id = (await _raise(session, clock, 1, status="closed", closed_at=clock(), outcome="settled")).id

    with pytest.raises(ClaimConflict, match="abgeschlossen"):
        await _claim_by_id(sessions, concern_id, anna, clock())
    assert await _holder(sessions, concern_id) is None


async def test_of_two_counsellors_claiming_one_concern_at_once_exactly_one_wins(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    anna, ben = await _counsellors(sessions, clock, "anna", "ben")
    async with sessions.begin() as session:
        concern_ids = [(await _raise(session, clock, n)).id for n in range(5)]

    for concern_id in concern_ids:
        results = await asyncio.gather(
            _claim_by_id(sessions, concern_id, anna, clock()),
            _claim_by_id(sessions, concern_id, ben, clock()),
            return_exceptions=True,
        )
        winners = [r.claimed_by for r in results if isinstance(r, Concern)]
        losers = [r for r in results if not isinstance(r, Concern)]
        assert len(winners) == 1 and winners[0] in (anna, ben)
        assert len(losers) == 1 and isinstance(losers[0], ClaimConflict), losers
        assert await _holder(sessions, concern_id) == winners[0]


# -- leases running out ------------------------------------------------------------------------


async def test_expired_leases_return_to_the_queue_with_a_history_entry(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    anna, ben, carla = await _counsellors(sessions, clock, "anna", "ben", "carla")
    t0 = clock()
    async with sessions.begin() as session:
        first = await _raise(session, clock, 1, due_at=t0 + dt.timedelta(hours=1))
        second = await _raise(session, clock, 2, due_at=t0 + dt.timedelta(hours=2))
    assert await _take_next(sessions, anna, t0) == first.id
    clock.advance(minutes=10)
    assert await _take_next(sessions, ben, clock()) == second.id

    clock.advance(minutes=5)  # Anna's lease ends now; Ben's has 10 minutes to go
    async with sessions.begin() as session:
        assert await expire_leases(session, clock()) == 1
    async with sessions.begin() as session:
        assert await expire_leases(session, clock()) == 0  # nothing left to expire

    async with sessions() as session:
        back = await session.get(Concern, first.id)
        assert back is not None and (back.claimed_by, back.claim_expires_at) == (None, None)
        entries = list(
            await session.scalars(
                select(ConcernEntry).where(ConcernEntry.kind == "lease_expired").order_by(ConcernEntry.id)
            )
        )
    assert [(e.concern_id, e.actor_id, e.at) for e in entries] == [(first.id, anna, clock())]
    assert await _holder(sessions, second.id) == ben
    assert await _drain(sessions, carla, clock()) == [first.id]


async def test_expiring_leases_never_takes_a_concern_from_the_counsellor_who_just_took_it_over(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """Ben takes over a concern whose lease ran out while the expiry job runs: he keeps it, and
    Carla cannot take it as well."""
    anna, ben, carla = await _counsellors(sessions, clock, "anna", "ben", "carla")
    async with sessions.begin() as session:
        concern_id = (await _raise(session, clock, 1)).id
    assert await _take_next(sessions, anna, clock()) == concern_id
    clock.advance(minutes=20)

    async def expiry_job() -> int:
        async with sessions.begin() as session:
            return await expire_leases(session, clock())

    async with sessions.begin() as ben_session:
        assert (await claim_next(ben_session, user_id=ben, regions=SIEGBURG, now=clock(), lease=LEASE)) is not None
        job = asyncio.create_task(expiry_job())
        await _until_waiting_or_done(engine, job)  # the job skips Ben's row or waits for his transaction
    assert await job == 0

    assert await _holder(sessions, concern_id) == ben
    assert await _take_next(sessions, carla, clock()) is None


async def test_a_late_release_never_frees_a_concern_someone_else_took_over(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """Anna's lease ran out; she presses "give back" just as Ben takes the concern over."""
    anna, ben, carla = await _counsellors(sessions, clock, "anna", "ben", "carla")
    async with sessions.begin() as session:
        concern_id = (await _raise(session, clock, 1)).id
    assert await _take_next(sessions, anna, clock()) == concern_id
    clock.advance(minutes=20)

    async with sessions.begin() as anna_session:
        concern = await anna_session.get(Concern, concern_id)
        assert concern is not None and concern.claimed_by == anna
        ben_takes_over = asyncio.create_task(_claim_by_id(sessions, concern_id, ben, clock()))
        # PostgreSQL: Ben's claim commits now. SQLite: it waits for Anna's transaction.
        await asyncio.wait({ben_takes_over}, timeout=1)
        if ben_takes_over.done():  # Ben was quicker, and Anna is told so
            with pytest.raises(ClaimConflict, match="nicht"):
                await release(anna_session, concern, user_id=anna, now=clock())
        else:  # Anna gives it back first; Ben then takes it as a free concern
            await release(anna_session, concern, user_id=anna, now=clock())
    await ben_takes_over

    assert await _holder(sessions, concern_id) == ben
    assert await _take_next(sessions, carla, clock()) is None
