"""The audit trail's daily work: anchor the head and verify the chain, once a day across all
service processes. The scheduler calls `run_daily` every hour; what is done for the day is skipped."""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.anchors import Anchor, anchor_head, log_anchor
from audit.service import verify_and_record
from audit.verifications import latest_verification
from audit.verify import ChainReport
from storage.clock import Clock
from storage.job_leases import take_lease

JOB_ACTOR = "system:audit-verification"
# Long enough for a walk along years of records; a process that dies mid-walk hands over after it.
VERIFICATION_LEASE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class DailyWork:
    """What a round did: the anchor it wrote and the walk it made, each None if already done today."""

    anchor: Anchor | None
    verification: ChainReport | None


@dataclass
class AuditJobs:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    zone: dt.tzinfo
    holder: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    async def run_daily(self) -> DailyWork:
        """Anchor today's head and verify the chain, each unless done today (in the deployment's zone)."""
        return DailyWork(await self.anchor_today(), await self.verify_today())

    async def anchor_today(self) -> Anchor | None:
        now = self.clock()
        async with self.sessions.begin() as session:
            anchor = await anchor_head(session, day=now.astimezone(self.zone).date(), now=now)
        if anchor is not None:  # logged once committed, so the log never shows an anchor that is not kept
            log_anchor(anchor)
        return anchor

    async def verify_today(self) -> ChainReport | None:
        now = self.clock()
        today = now.astimezone(self.zone).date()
        async with self.sessions() as session:
            last = await latest_verification(session, by=JOB_ACTOR)
        if last is not None and last.verified_at.astimezone(self.zone).date() == today:
            return None
        async with self.sessions.begin() as session:  # one process walks; the others skip
            if not await take_lease(
                session, name="audit-verification", holder=self.holder, now=now, ttl=VERIFICATION_LEASE
            ):
                return None
        return await verify_and_record(self.sessions, now=now, actor=JOB_ACTOR)
