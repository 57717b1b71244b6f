"""Retention of the concern queue's personal data, run by the deletion job (audit/retention.py).

Recordings go first, at Twilio through the dialer (the network, outside any transaction), then
each is marked deleted; what is left in the database is erased in the job's transaction. A
recording that cannot be deleted yet stays due, and the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.intake import note_history
from callbacks.models import Concern
from callbacks.ports import DialError
from callbacks.recording_news import erase_news, forget_news, unclaimed_news
from config.deployment import Retention
from storage.clock import Clock

log = logging.getLogger("hotline.retention")


class RecordingDeleter(Protocol):
    """The part of the dialer retention needs (callbacks.ports.CallbackDialer has it)."""

    async def delete_recording(self, recording_sid: str) -> None:
        """Delete a voicemail at the network's side; one already gone counts as deleted;
        `DialError` when it cannot be done now."""
        ...


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


async def recordings_to_delete(session: AsyncSession, now: dt.datetime, keep: dt.timedelta) -> list[int]:
    """The concerns settled longer ago than `keep` whose recording is not deleted yet."""
    return list(
        await session.scalars(
            select(Concern.id).where(
                Concern.status.in_(("closed", "unreachable")),
                Concern.recording_sid.is_not(None),
                Concern.recording_deleted_at.is_(None),
                or_(
                    and_(Concern.status == "closed", Concern.closed_at <= now - keep),
                    and_(Concern.status == "unreachable", Concern.created_at <= now - keep),
                ),
            )
        )
    )


@dataclass
class ConcernRetention:
    """What the concern queue deletes when retention says so: recordings (here and at Twilio)
    after `voicemail_days`, a concern's personal data after `concern_days`."""

    sessions: async_sessionmaker[AsyncSession]
    retention: Retention
    clock: Clock
    dialer: Callable[[], RecordingDeleter]

    async def delete_due_recordings(self, now: dt.datetime) -> int:
        """Delete at Twilio the recordings of concerns settled `voicemail_days` ago, and those
        whose voicemail never became a concern (their transcript goes at once); returns how many."""
        keep = dt.timedelta(days=self.retention.voicemail_days)
        async with self.sessions.begin() as session:
            doomed = await recordings_to_delete(session, now, keep)
            unclaimed = await unclaimed_news(session, older_than=now - keep)
            await erase_news(session, unclaimed)
        deleted = 0
        for concern_id in doomed:
            deleted += await self.delete_recording_of(concern_id)
        for recording_sid in unclaimed:
            deleted += await self._delete_unclaimed_recording(recording_sid)
        return deleted

    async def erase_due_personal_data(self, session: AsyncSession, now: dt.datetime) -> int:
        """In the deletion job's transaction: concerns' personal data `concern_days` after settling."""
        return await scrub_personal_data(session, now, dt.timedelta(days=self.retention.concern_days))

    async def _delete_unclaimed_recording(self, recording_sid: str) -> int:
        """A recording whose voicemail never became a concern (the caller hung up before the
        <Record> action, say) is deleted at Twilio like any other, then its news is forgotten."""
        try:
            await self.dialer().delete_recording(recording_sid)
        except DialError:
            log.warning("unclaimed recording not deleted yet; next run tries again", extra={"recording": recording_sid})
            return 0
        async with self.sessions.begin() as session:
            await forget_news(session, [recording_sid])
        return 1

    async def delete_recording_of(self, concern_id: int) -> int:
        """Delete one concern's recording at Twilio, then mark it deleted; 1 if done, 0 if not (yet)."""
        async with self.sessions() as session:
            concern = await session.get(Concern, concern_id)
            sid = concern.recording_sid if concern else None
        if sid is None:
            return 0
        try:
            await self.dialer().delete_recording(sid)
        except DialError:
            log.warning("recording not deleted yet; next run tries again", extra={"concern": concern_id})
            return 0
        async with self.sessions.begin() as session:
            concern = await session.get(Concern, concern_id)
            if concern is not None and concern.recording_deleted_at is None:
                concern.recording_deleted_at, concern.recording_url = self.clock(), None
                await note_history(session, concern, "recording_deleted", self.clock())
        return 1
