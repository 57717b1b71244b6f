"""The scheduled deletion job: every kind of record goes when `[retention]` says, in one run.

The slices say what is due in their own tables; this job runs them in order, once across all
service processes (a lease in the database), and appends one record of what it did to the audit
trail. Work on the network (recordings at Twilio) runs first, outside any transaction; the
deletions in the database and their audit record then commit together, so no deletion is ever
without its record. Each step finds what is due from the data, so a second run, or one after a
crash, deletes only what is left; the audit trail's own oldest rows go last, in that same
transaction, and the chain stays verifiable from the oldest row kept (see `delete_audit_rows_before`).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.models import AuditEntry
from audit.trail import AuditRecord, append
from storage.clock import Clock
from storage.job_leases import take_lease

JOB = "retention"
ACTOR = "system:retention"
# Kept after a run, not given back: another process's run within this time would find nothing
# due anyway, and the job runs hourly.
LEASE = dt.timedelta(minutes=10)

OutsideWork = Callable[[dt.datetime], Awaitable[int]]  # at Twilio: how many it deleted
DatabaseWork = Callable[[AsyncSession, dt.datetime], Awaitable[int]]  # in the job's transaction


@dataclass(frozen=True)
class DeletionRun:
    """One run: whether this process did it, and how many of each kind it deleted or emptied."""

    ran: bool
    counts: Mapping[str, int] = field(default_factory=dict)
    audit_seq: int | None = None


@dataclass
class RetentionJob:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    outside: Sequence[tuple[str, OutsideWork]]
    inside: Sequence[tuple[str, DatabaseWork]]
    holder: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    async def run(self) -> DeletionRun:
        """Delete what is due, if no other process is doing it; record what was done."""
        now = self.clock()
        async with self.sessions.begin() as session:
            if not await take_lease(session, name=JOB, holder=self.holder, now=now, ttl=LEASE):
                return DeletionRun(ran=False)
        counts: dict[str, int] = {}
        for name, work in self.outside:
            counts[name] = await work(now)
        async with self.sessions.begin() as session:
            for name, in_database in self.inside:
                counts[name] = await in_database(session, now)
            seq = await append(
                session,
                AuditRecord(at=now, actor=ACTOR, action="ran_deletion", object_type="deletion", detail=counts),
            )
        return DeletionRun(ran=True, counts=counts, audit_seq=seq)


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same instant `years` earlier (28 February for a 29th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


async def delete_audit_rows_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    """Delete the trail's rows older than `cutoff`: always a run of the oldest rows, so the chain
    that is left is whole. Its first row's `prev_hash` names the last row deleted; verification
    starts there, and this job's own record (appended in the same transaction) says how many
    went. Returns how many rows were deleted."""
    # By sequence, not by time: two appenders may stamp their rows a moment out of order, and
    # cutting by time alone could leave a hole in the chain.
    first_kept = await session.scalar(select(func.min(AuditEntry.seq)).where(AuditEntry.at >= cutoff))
    doomed = delete(AuditEntry)
    if first_kept is not None:
        doomed = doomed.where(AuditEntry.seq < first_kept)
    result = await session.execute(doomed.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
