"""The audit trail's daily work on SQLite and PostgreSQL: anchors in the table and the log, the
verification kept for the auditor page, once a day however often the job runs."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.anchors import recent_anchors
from audit.jobs import JOB_ACTOR, AuditJobs
from audit.models import AuditEntry, AuditVerification
from audit.trail import AuditRecord, append, entry_hash
from audit.verifications import latest_verification
from audit.verify import verify_chain
from tests.support import ManualClock

BERLIN = ZoneInfo("Europe/Berlin")


async def add_records(sessions: async_sessionmaker[AsyncSession], clock: ManualClock, count: int) -> None:
    async with sessions.begin() as session:
        for n in range(count):
            await append(session, AuditRecord(clock(), "anna", "viewed_concern", "concern", f"K-{n}"))


@pytest.fixture
def jobs(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> AuditJobs:
    return AuditJobs(sessions, clock, BERLIN, holder="test-process")


async def test_the_head_is_anchored_once_a_day_in_the_table_and_the_log(
    jobs: AuditJobs,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await jobs.anchor_today() is None  # nothing to anchor yet
    await add_records(sessions, clock, 3)
    with caplog.at_level(logging.INFO, logger="hotline.audit"):
        first = await jobs.anchor_today()
    assert first is not None and (first.day, first.seq) == (dt.date(2026, 11, 26), 3)
    [line] = [r for r in caplog.records if r.name == "hotline.audit"]
    assert line.getMessage() == f"audit trail anchor of 2026-11-26: seq 3, sha256 {first.hash}"
    await add_records(sessions, clock, 2)
    clock.advance(hours=13)  # 23:30 in Berlin: still the same day there
    assert await jobs.anchor_today() is None
    clock.advance(hours=1)  # 00:30 on the 27th in Berlin, 23:30 on the 26th in UTC
    second = await jobs.anchor_today()
    assert second is not None and (second.day, second.seq) == (dt.date(2026, 11, 27), 5)
    async with sessions() as session:
        assert await recent_anchors(session, limit=5) == [second, first]
        assert await recent_anchors(session, limit=1) == [second]


async def test_the_chain_is_verified_once_a_day_and_the_outcome_kept(
    jobs: AuditJobs, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await add_records(sessions, clock, 4)
    async with sessions() as session:
        assert await latest_verification(session) is None
    work = await jobs.run_daily()
    assert work.anchor is not None and work.verification is not None and work.verification.intact
    again = await jobs.run_daily()
    assert again.anchor is None and again.verification is None  # done for today
    async with sessions() as session:
        kept = await latest_verification(session)
        assert kept is not None and kept.intact and kept.rows_checked == 4 and kept.verified_by == JOB_ACTOR
        assert (kept.head_seq, kept.verified_at) == (4, clock())
        # the walk is itself on the record, after the rows it checked
        last = await session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert last is not None and (last.seq, last.actor, last.action) == (5, JOB_ACTOR, "verified_chain")
        assert last.detail == {"rows_checked": 4, "intact": True, "head_seq": 4}

    async with sessions.begin() as session:
        await session.execute(text("UPDATE audit_trail SET object_id = 'K-99' WHERE seq = 2"))
    clock.advance(days=1)
    await jobs.run_daily()
    async with sessions() as session:
        kept = await latest_verification(session)
        assert kept is not None and not kept.intact
        assert (kept.first_bad_seq, kept.break_kind, kept.rows_checked) == (2, "altered", 2)
        assert await session.scalar(select(func.count()).select_from(AuditVerification)) == 2


async def test_another_process_verifying_today_is_not_repeated(
    jobs: AuditJobs, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await add_records(sessions, clock, 2)
    other = AuditJobs(sessions, clock, BERLIN, holder="other-process")
    assert await other.verify_today() is not None
    assert await jobs.verify_today() is None


async def test_a_chain_rewritten_hashes_and_all_is_caught_by_its_anchor(
    jobs: AuditJobs, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await add_records(sessions, clock, 6)
    await jobs.anchor_today()
    async with sessions.begin() as session:  # someone who read this code recomputes every hash from seq 3 on
        rows = (await session.scalars(select(AuditEntry).where(AuditEntry.seq >= 3).order_by(AuditEntry.seq))).all()
        previous = (await session.get(AuditEntry, 2)).hash  # type: ignore[union-attr]
        for row in rows:
            row.actor = "mallory" if row.seq == 3 else row.actor
            row.prev_hash = previous
            row.hash = previous = entry_hash(row)
    async with sessions() as session:
        report = await verify_chain(session)
    assert report.broken is not None and (report.broken.seq, report.broken.kind) == (6, "rewritten")


async def test_the_last_rows_deleted_after_an_anchor_are_missed(
    jobs: AuditJobs, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await add_records(sessions, clock, 6)
    await jobs.anchor_today()
    async with sessions.begin() as session:
        await session.execute(text("DELETE FROM audit_trail WHERE seq >= 5"))
    async with sessions() as session:
        report = await verify_chain(session)
    assert report.broken is not None and (report.broken.seq, report.broken.kind) == (5, "deleted")
    assert report.rows_checked == 4
