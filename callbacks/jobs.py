"""Scheduled work of the concern queue. Every job finds what is due in the database (a restart
loses nothing), is idempotent, and runs once across processes under a database lease."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.claims import expire_leases
from callbacks.intake import note_history
from callbacks.models import Concern
from callbacks.ports import CallbackDialer, DialError
from callbacks.recording_news import erase_news, forget_news, unclaimed_news
from config.deployment import Deployment
from storage.clock import Clock
from storage.job_leases import take_lease

log = logging.getLogger("hotline.jobs")
LEASE = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class RoundReport:
    ran: bool
    leases_expired: int = 0
    retries_due: int = 0
    flagged: int = 0
    recordings_deleted: int = 0
    concerns_scrubbed: int = 0
    unclaimed_recordings_deleted: int = 0


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


async def scrub_personal_data(session: AsyncSession, now: dt.datetime, keep: dt.timedelta) -> int:
    """Erase the customer's number, name, note and transcript from concerns settled (or given up
    as unreachable) longer ago than `keep`, and any news of their recordings still waiting;
    what is left is the anonymous record planners count. A voicemail concern waits until its
    recording is deleted, which needs its identifiers."""
    cutoff = now - keep
    old = await session.scalars(
        select(Concern).where(
            or_(
                and_(Concern.status == "closed", Concern.closed_at <= cutoff),
                and_(Concern.status == "unreachable", Concern.created_at <= cutoff),
            ),
            or_(
                Concern.callback_number.is_not(None),
                Concern.customer_name.is_not(None),
                Concern.note.is_not(None),
                Concern.transcript.is_not(None),
            ),
            or_(Concern.recording_sid.is_(None), Concern.recording_deleted_at.is_not(None)),
        )
    )
    scrubbed: list[Concern] = []
    for concern in old:
        concern.callback_number = concern.customer_name = concern.note = concern.transcript = None
        concern.recording_url = None
        await note_history(session, concern, "personal_data_erased", now)
        scrubbed.append(concern)
    await forget_news(session, [c.recording_sid for c in scrubbed if c.recording_sid])
    return len(scrubbed)


async def recordings_to_delete(session: AsyncSession, now: dt.datetime, keep: dt.timedelta) -> list[Concern]:
    return list(
        await session.scalars(
            select(Concern).where(
                Concern.status == "closed",
                Concern.recording_sid.is_not(None),
                Concern.recording_deleted_at.is_(None),
                Concern.closed_at <= now - keep,
            )
        )
    )


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
            retention = self.deployment.retention
            doomed = await recordings_to_delete(session, now, dt.timedelta(days=retention.voicemail_days))
            scrubbed = await scrub_personal_data(session, now, dt.timedelta(days=retention.concern_days))
            unclaimed = await unclaimed_news(session, older_than=now - dt.timedelta(days=retention.voicemail_days))
            # The transcript goes at once; the row waits until the recording is gone at Twilio.
            await erase_news(session, unclaimed)
        deleted = 0
        for concern in doomed:
            deleted += await self._delete_recording(concern.id)
        orphans = 0
        for recording_sid in unclaimed:
            orphans += await self._delete_unclaimed_recording(recording_sid)
        return RoundReport(True, expired, retries, flagged, deleted, scrubbed, orphans)

    async def _delete_unclaimed_recording(self, recording_sid: str) -> int:
        """A recording whose voicemail never became a concern (the caller hung up before the
        <Record> action, say) is deleted at Twilio like any other, then its news is forgotten."""
        try:
            await self.dialer().delete_recording(recording_sid)
        except DialError:
            log.warning(
                "unclaimed recording not deleted yet; next round tries again", extra={"recording": recording_sid}
            )
            return 0
        async with self.sessions.begin() as session:
            await forget_news(session, [recording_sid])
        return 1

    async def _delete_recording(self, concern_id: int) -> int:
        async with self.sessions() as session:
            concern = await session.get(Concern, concern_id)
            sid = concern.recording_sid if concern else None
        if sid is None:
            return 0
        try:
            await self.dialer().delete_recording(sid)
        except DialError:
            log.warning("recording not deleted yet; next round tries again", extra={"concern": concern_id})
            return 0
        async with self.sessions.begin() as session:
            concern = await session.get(Concern, concern_id)
            if concern is not None:
                concern.recording_deleted_at, concern.recording_url = self.clock(), None
                await note_history(session, concern, "recording_deleted", self.clock())
        return 1
