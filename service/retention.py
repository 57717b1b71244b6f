"""The deletion job wired to every slice that holds records retention limits (audit/retention.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.retention import RetentionJob, delete_audit_rows_before, years_before
from callbacks.retention import ConcernRetention, RecordingDeleter
from config.deployment import Retention
from contacts.retention import delete_contact_events_before, months_before
from planning.rollups import keep_rollups_of_deleted_events
from planning.service import ROLLUP_JOB, ROLLUP_LEASE
from storage.clock import Clock
from storage.job_leases import release_lease, take_lease
from telephony.inbound.retention import delete_calls_before
from video.jobs import erase_personal_data


def build_retention_job(
    sessions: async_sessionmaker[AsyncSession],
    retention: Retention,
    clock: Clock,
    dialer: Callable[[], RecordingDeleter],
    holder: str | None = None,
) -> RetentionJob:
    """One job for every kind of record; the names are the keys of its audit record's counts."""
    concerns = ConcernRetention(sessions, retention, clock, dialer)

    async def bookings(session: AsyncSession, now: dt.datetime) -> int:
        return await erase_personal_data(session, now, dt.timedelta(days=retention.booking_days))

    async def contact_events(session: AsyncSession, now: dt.datetime) -> int:
        # Under the roll-ups' own lease: a round counting meanwhile could read the log before the
        # cut and write back quarter hours it no longer holds. Busy now: the next hour cuts.
        if not await take_lease(session, name=ROLLUP_JOB, holder=job.holder, now=now, ttl=ROLLUP_LEASE):
            return 0
        cutoff = months_before(now, retention.contact_log_months)
        await keep_rollups_of_deleted_events(session, cutoff)
        deleted = await delete_contact_events_before(session, cutoff)
        await release_lease(session, name=ROLLUP_JOB, holder=job.holder, now=now)  # free once this commits
        return deleted

    async def calls(session: AsyncSession, now: dt.datetime) -> int:
        return await delete_calls_before(session, months_before(now, retention.contact_log_months))

    async def audit_rows(session: AsyncSession, now: dt.datetime) -> int:
        return await delete_audit_rows_before(session, years_before(now, retention.audit_years))

    job = RetentionJob(
        sessions,
        clock,
        outside=[("recordings_deleted", concerns.delete_due_recordings)],
        inside=[
            ("concerns_erased", concerns.erase_due_personal_data),
            ("bookings_erased", bookings),
            ("contact_events_deleted", contact_events),
            ("calls_deleted", calls),
            ("audit_rows_deleted", audit_rows),
        ],
    )
    if holder is not None:
        job.holder = holder
    return job
