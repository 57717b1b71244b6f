"""Scheduled work of the concern queue. Every job finds what is due in the database (a restart
loses nothing), is idempotent, and runs once across processes under a database lease. Deleting
what retention makes due is callbacks/retention.py's, run by the deletion job (audit/retention.py)."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.claims import expire_leases
from callbacks.intake import note_history
from callbacks.models import Concern
from callbacks.ports import CallbackDialer
from config.deployment import Deployment
from storage.clock import Clock
from storage.job_leases import take_lease

LEASE = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class RoundReport:
    ran: bool
    leases_expired: int = 0
    retries_due: int = 0
    flagged: int = 0


async def release_due_retries(session: AsyncSession, now: dt.datetime) -> int:
    """Concerns whose retry time has come go back into the queue for "take next"."""
    due = list(await session.scalars(select(Concern).where(Concern.status == "open", Concern.next_attempt_at <= now)))
    for concern in due:
        concern.next_attempt_at = None
        await note_history(session, concern, "retry_due", now)
    return len(due)


async def flag_due_concerns(session: AsyncSession, now: dt.datetime, due_soon: dt.timedelta) -> int:
    """Mark open concerns due soon or overdue (once each), for the worklist and the board."""
    changed = 0
    candidates = await session.scalars(
        select(Concern).where(Concern.status == "open", Concern.due_at <= now + due_soon)
    )
    for concern in candidates:
        flag = "overdue" if concern.due_at <= now else "due_soon"
        if concern.due_flag != flag:
            concern.due_flag = flag
            await note_history(session, concern, flag, now)
            changed += 1
    return changed


@dataclass
class ConcernJobs:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    clock: Clock
    dialer: Callable[[], CallbackDialer]
    holder: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    async def run_round(self) -> RoundReport:
        """One round of every job, if this process holds the lease."""
        now = self.clock()
        async with self.sessions.begin() as session:
            if not await take_lease(session, name="concern-jobs", holder=self.holder, now=now, ttl=LEASE):
                return RoundReport(ran=False)
            expired = await expire_leases(session, now)
            retries = await release_due_retries(session, now)
            flagged = await flag_due_concerns(session, now, self.deployment.callbacks.due_soon)
        return RoundReport(True, expired, retries, flagged)
