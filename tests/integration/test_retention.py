"""The deletion job on SQLite and PostgreSQL: every kind of record goes exactly when `[retention]`
says (records a second before and at each limit), a second run changes nothing, two processes at
once delete once, what it did is in the audit trail and the chain still verifies, and the
planner's roll-ups of a deleted contact log stay as they were."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.models import AuditEntry
from audit.retention import RetentionJob, years_before
from audit.trail import AuditRecord, append, entry_hash
from callbacks.models import Concern
from callbacks.ports import DialError
from config.deployment import Retention
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from contacts.retention import months_before
from contacts.service import contact_event_row, record_contact_events
from planning.models import CapacityInterval
from planning.service import ROLLUP_JOB, ROLLUP_LEASE, Planner
from service.retention import build_retention_job
from staff.accounts import create_user
from storage.base import Base
from storage.job_leases import release_lease, take_lease
from telephony.inbound.models import Call
from tests.support import TEST_SECRET, ManualClock
from video.models import CounsellingBooking, CounsellingSlot

NOW = dt.datetime(2029, 6, 15, 10, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
RETENTION = Retention()  # the defaults: 30 days, 30 days, 30 days, 24 months, 10 years
CONCERN_LIMIT = NOW - dt.timedelta(days=RETENTION.concern_days)
LOG_LIMIT = months_before(NOW, RETENTION.contact_log_months)  # 2027-06-15 10:00
AUDIT_LIMIT = years_before(NOW, RETENTION.audit_years)  # 2019-06-15 10:00
DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
PSEUDONYMS = Pseudonymiser(TEST_SECRET)


class Recordings:
    """The network's side of recordings: what was deleted, and a failure on demand."""

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.failing: set[str] = set()

    async def delete_recording(self, recording_sid: str) -> None:
        if recording_sid in self.failing:
            raise DialError("Twilio unreachable")
        self.deleted.append(recording_sid)


def sid(n: int) -> str:
    return f"RE{n:032x}"


def concern(n: int, *, status: str, settled_at: dt.datetime, recording: bool = False) -> Concern:
    created = settled_at if status == "unreachable" else settled_at - dt.timedelta(days=2)
    return Concern(
        reference=f"T{n:05d}",
        region="siegburg",
        channel="voicemail" if recording else "phone_callback",
        status=status,
        urgency="normal",
        callback_number=f"+49151000{n:05d}",
        customer_name=f"Kundin {n}",
        note="Miete",
        language="de",
        created_at=created,
        due_at=created + dt.timedelta(days=2),
        source_key=f"test:{n}",
        closed_at=settled_at if status == "closed" else None,
        outcome="settled" if status == "closed" else None,
        recording_sid=sid(n) if recording else None,
        transcript="Bitte zurückrufen." if recording else None,
    )


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Of every kind, one record a second past its limit (due) and one at its limit (kept)."""
    async with sessions.begin() as session:
        session.add_all(
            [
                concern(1, status="closed", settled_at=CONCERN_LIMIT - SECOND),
                concern(2, status="closed", settled_at=CONCERN_LIMIT + SECOND),
                concern(3, status="unreachable", settled_at=CONCERN_LIMIT - SECOND),
                concern(4, status="open", settled_at=NOW - dt.timedelta(days=400)),  # open: never
                concern(5, status="closed", settled_at=CONCERN_LIMIT - SECOND, recording=True),
                concern(6, status="closed", settled_at=CONCERN_LIMIT + SECOND, recording=True),
            ]
        )
        anna = await create_user(
            session, username="anna", password="correct horse battery", roles=["counsellor"], now=NOW
        )
        booking_limit = NOW - dt.timedelta(days=RETENTION.booking_days)
        for n, ends in ((1, booking_limit - SECOND), (2, booking_limit + SECOND)):
            slot = CounsellingSlot(
                region="siegburg",
                counsellor_id=anna.id,
                starts_at=ends - dt.timedelta(minutes=30),
                ends_at=ends,
                kind="phone",
                created_at=ends - dt.timedelta(days=7),
            )
            session.add(slot)
            await session.flush()
            session.add(
                CounsellingBooking(
                    link_key=f"booking{n}",
                    slot_id=slot.id,
                    region="siegburg",
                    counsellor_id=anna.id,
                    starts_at=slot.starts_at,
                    ends_at=ends,
                    mode="phone",
                    phone=f"+49151999{n:05d}",
                    first_name="Dana",
                    language="de",
                    status="held",
                    booked_at=ends - dt.timedelta(days=7),
                    note="Bewerbung",
                )
            )
        rows = [
            contact_event_row(at=at, channel="phone", kind="call_received", region="siegburg", event_id=name)
            for name, at in (("old", LOG_LIMIT - SECOND), ("kept", LOG_LIMIT))
        ]
        await record_contact_events(session, rows)
        for name, at in (("CAold", LOG_LIMIT - SECOND), ("CAkept", LOG_LIMIT)):
            session.add(Call(call_sid=name, region="siegburg", direction="inbound", status="completed", started_at=at))
        for at in (AUDIT_LIMIT - SECOND, AUDIT_LIMIT):
            await append(session, AuditRecord(at=at, actor="anna", action="viewed_concern", object_type="concern"))


def job(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, recordings: Recordings, holder: str
) -> RetentionJob:
    return build_retention_job(sessions, RETENTION, clock, lambda: recordings, holder=holder)


async def personal_data(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with sessions() as session:
        concerns = {
            c.reference: (c.callback_number, c.customer_name, c.note, c.transcript, c.recording_deleted_at is not None)
            for c in await session.scalars(select(Concern))
        }
        bookings = {
            b.link_key: (b.phone, b.first_name, b.note) for b in await session.scalars(select(CounsellingBooking))
        }
        events = sorted(e.event_id for e in await session.scalars(select(ContactEvent)))
        calls = sorted(c.call_sid for c in await session.scalars(select(Call)))
        audit = [(a.seq, a.action) for a in await session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    return {"concerns": concerns, "bookings": bookings, "events": events, "calls": calls, "audit": audit}


async def whole_chain_from(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, str]:
    """The first sequence number of the trail as it is and the `prev_hash` it starts from, once
    every row is checked: sealed by its hash, numbered on from, and chained to, the one before."""
    async with sessions() as session:
        rows = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    for before, row in itertools.pairwise(rows):
        assert (row.seq, row.prev_hash) == (before.seq + 1, before.hash)
    assert all(entry_hash(row) == row.hash for row in rows)
    return rows[0].seq, rows[0].prev_hash


async def everything_but_the_trail(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[Any]]:
    skipped = {"audit_trail", "job_leases"}
    async with sessions() as session:
        return {
            t.name: sorted(repr(tuple(row)) for row in await session.execute(select(t)))
            for t in Base.metadata.sorted_tables
            if t.name not in skipped
        }


async def test_the_job_deletes_exactly_what_is_due_and_records_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(NOW)
    await seed(sessions)
    async with sessions() as session:
        first = await session.get(AuditEntry, 1)
        assert first is not None
        deleted_head = first.hash
    recordings = Recordings()
    run = await job(sessions, clock, recordings, "one").run()

    assert run.ran
    assert dict(run.counts) == {
        "recordings_deleted": 1,
        "concerns_erased": 3,
        "bookings_erased": 1,
        "contact_events_deleted": 1,
        "calls_deleted": 1,
        "audit_rows_deleted": 1,
    }
    assert recordings.deleted == [sid(5)]
    held = await personal_data(sessions)
    erased = (None, None, None, None)
    assert held["concerns"] == {
        "T00001": (*erased, False),
        "T00002": ("+4915100000002", "Kundin 2", "Miete", None, False),
        "T00003": (*erased, False),
        "T00004": ("+4915100000004", "Kundin 4", "Miete", None, False),
        "T00005": (*erased, True),
        "T00006": ("+4915100000006", "Kundin 6", "Miete", "Bitte zurückrufen.", False),
    }
    assert held["bookings"] == {"booking1": (None, None, None), "booking2": ("+4915199900002", "Dana", "Bewerbung")}
    assert held["events"] == ["kept"] and held["calls"] == ["CAkept"]
    assert held["audit"] == [(2, "viewed_concern"), (3, "ran_deletion")]

    async with sessions() as session:
        record = await session.get(AuditEntry, run.audit_seq)
        assert record is not None
        assert (record.actor, record.action, record.object_type) == ("system:retention", "ran_deletion", "deletion")
        assert record.detail == dict(run.counts) and record.at == NOW
    assert await whole_chain_from(sessions) == (2, deleted_head)


async def test_a_second_run_deletes_nothing_more_and_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(NOW)
    await seed(sessions)
    recordings = Recordings()
    deletion = job(sessions, clock, recordings, "one")
    await deletion.run()
    after_once = await everything_but_the_trail(sessions)
    again = await deletion.run()  # at the same moment: a second later, what is kept a second longer is due
    assert again.ran and set(again.counts.values()) == {0}
    assert await everything_but_the_trail(sessions) == after_once
    assert recordings.deleted == [sid(5)]  # not asked twice


async def test_two_processes_at_once_delete_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = ManualClock(NOW)
    await seed(sessions)
    recordings = Recordings()
    runs = await asyncio.gather(
        job(sessions, clock, recordings, "process-a").run(), job(sessions, clock, recordings, "process-b").run()
    )
    assert sorted(r.ran for r in runs) == [False, True]
    assert recordings.deleted == [sid(5)]
    async with sessions() as session:
        records = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "ran_deletion")
        )
    assert records == 1
    winner = "process-a" if runs[0].ran else "process-b"
    again = await job(sessions, clock, recordings, winner).run()  # its lease, its next run: nothing left
    assert again.ran and set(again.counts.values()) == {0}


async def test_a_recording_twilio_cannot_delete_yet_keeps_its_concern_until_the_next_run(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(NOW)
    await seed(sessions)
    recordings = Recordings()
    recordings.failing.add(sid(5))
    deletion = job(sessions, clock, recordings, "one")
    first = await deletion.run()
    assert (first.counts["recordings_deleted"], first.counts["concerns_erased"]) == (0, 2)
    assert (await personal_data(sessions))["concerns"]["T00005"][0] == "+4915100000005"
    recordings.failing.clear()
    second = await deletion.run()
    assert (second.counts["recordings_deleted"], second.counts["concerns_erased"]) == (1, 1)
    assert (await personal_data(sessions))["concerns"]["T00005"] == (None, None, None, None, True)


def answered_call(sid: str, arrived: dt.datetime, caller: str) -> list[dict[str, Any]]:
    steps = [("call_received", 0), ("queued", 5), ("answered", 15), ("call_completed", 200)]
    return [
        contact_event_row(
            pseudonymiser=PSEUDONYMS,
            at=arrived + dt.timedelta(seconds=offset),
            channel="phone",
            kind=kind,
            region="siegburg",
            reference=sid,
            event_id=f"{sid}:{kind}",
            caller=caller if kind == "call_received" else None,
            **({"wait_seconds": 10} if kind == "answered" else {}),
        )
        for kind, offset in steps
    ]


async def rollups(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        rows = await session.execute(select(CapacityInterval).order_by(CapacityInterval.starts_at))
        return [
            (row.region, row.starts_at, row.calls, row.callers, row.answered, row.handle_s) for (row,) in rows.all()
        ]


@pytest.mark.parametrize("rules_change", [False, True], ids=["next-round", "rules-changed"])
async def test_the_planners_roll_ups_outlive_the_contact_log(
    sessions: async_sessionmaker[AsyncSession], rules_change: bool
) -> None:
    """Calls on both sides of the limit, by one caller within the repeat window: after the log's
    old part is deleted, neither the next round nor a full recount (changed counting rules)
    touches a quarter hour counted from deleted events or looking back at them."""
    clock = ManualClock(LOG_LIMIT - dt.timedelta(days=3))
    caller = "+4917611111111"
    calls = [
        answered_call("CA1", LOG_LIMIT - dt.timedelta(days=2), caller),  # deleted
        answered_call("CA2", LOG_LIMIT - dt.timedelta(minutes=10), caller),  # deleted
        answered_call("CA3", LOG_LIMIT + dt.timedelta(minutes=10), caller),  # kept; a redial of CA2's caller
        answered_call("CA4", LOG_LIMIT + dt.timedelta(days=20), "+4917622222222"),  # kept, well after
    ]
    async with sessions.begin() as session:
        await record_contact_events(session, [row for call in calls for row in call])
    clock.now = LOG_LIMIT + dt.timedelta(days=21)
    planner = Planner(sessions, DEPLOYMENT, clock)
    assert await planner.refresh_rollups() > 0
    before = await rollups(sessions)
    assert [row[2] for row in before] == [1, 1, 1, 1]
    assert [row[3] for row in before] == [1, 1, 0, 1]  # CA3 redials within the repeat window: no new caller

    clock.now = NOW
    run = await job(sessions, clock, Recordings(), "one").run()
    assert run.counts["contact_events_deleted"] == 8
    if rules_change:
        planning = dataclasses.replace(DEPLOYMENT.planning, target=dt.timedelta(seconds=5))
        planner = Planner(sessions, dataclasses.replace(DEPLOYMENT, planning=planning), clock)
    await planner.refresh_rollups()
    after = await rollups(sessions)
    if not rules_change:
        assert after == before
    else:
        # Only CA4's quarter hour is counted again; the others keep the figures of their time.
        assert after[:3] == before[:3] and after[3][:4] == before[3][:4]


async def test_the_next_round_counts_only_what_is_new(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = ManualClock(NOW - dt.timedelta(hours=2))
    async with sessions.begin() as session:
        await record_contact_events(session, answered_call("CA1", LOG_LIMIT + dt.timedelta(days=1), "+4917611111111"))
    planner = Planner(sessions, DEPLOYMENT, clock)
    await planner.refresh_rollups()
    clock.now = NOW
    await job(sessions, clock, Recordings(), "one").run()
    async with sessions.begin() as session:
        await record_contact_events(session, answered_call("CA2", NOW - dt.timedelta(minutes=20), "+4917622222222"))
    counted = await planner.refresh_rollups()
    # The last hour and the new call's (up to four hours of steps): never back to the old events.
    assert 0 < counted <= 2
    assert [row[2] for row in await rollups(sessions)] == [1, 1]


async def test_the_log_is_not_cut_while_the_roll_ups_are_being_counted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(NOW)
    await seed(sessions)
    async with sessions.begin() as session:
        assert await take_lease(session, name=ROLLUP_JOB, holder="counting", now=NOW, ttl=ROLLUP_LEASE)
    deletion = job(sessions, clock, Recordings(), "one")
    first = await deletion.run()
    assert first.counts["contact_events_deleted"] == 0 and first.counts["concerns_erased"] == 3  # the rest goes on
    async with sessions.begin() as session:
        await release_lease(session, name=ROLLUP_JOB, holder="counting", now=NOW)
    assert (await deletion.run()).counts["contact_events_deleted"] == 1
    assert (await personal_data(sessions))["events"] == ["kept"]
