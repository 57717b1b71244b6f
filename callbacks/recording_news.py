"""What Twilio tells us about a recording before the voicemail it belongs to exists.

The recording status and transcription callbacks may overtake the caller's <Record> action
that raises the voicemail concern. Their news waits here, and only until a concern takes it
over: then the row goes, so a transcript lives in one place (the concern) and is erased with
it. News no concern ever claimed is deleted `retention.voicemail_days` after it arrived.
The table keeps the name it had under telephony (`telephony_recordings`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import String, Text, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from callbacks.models import Concern
from storage.base import Base
from storage.bulk import insert_new
from storage.types import UTCDateTime


class RecordingNews(Base):
    __tablename__ = "telephony_recordings"

    recording_sid: Mapped[str] = mapped_column(String(34), primary_key=True)
    call_sid: Mapped[str | None] = mapped_column(String(34))
    url: Mapped[str | None] = mapped_column(String(300))
    duration_seconds: Mapped[int | None]
    status: Mapped[str | None] = mapped_column(String(20))
    transcript: Mapped[str | None] = mapped_column(Text)  # personal data
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


async def remember_recording(
    session: AsyncSession,
    *,
    recording_sid: str,
    now: dt.datetime,
    call_sid: str | None = None,
    url: str | None = None,
    duration_seconds: int | None = None,
    status: str | None = None,
    transcript: str | None = None,
) -> RecordingNews:
    """Merge what this callback says into what earlier ones said; nothing known is forgotten."""
    # Insert-or-nothing, then the row locked: the same callback twice at once (or the recording
    # and transcription callbacks together) neither fails on the key nor loses the other's news.
    await session.execute(
        insert_new(session, RecordingNews, "recording_sid").values(recording_sid=recording_sid, updated_at=now)
    )
    news = await session.get(RecordingNews, recording_sid, with_for_update=True, populate_existing=True)
    assert news is not None
    news.call_sid = call_sid or news.call_sid
    news.url = url or news.url
    news.duration_seconds = duration_seconds if duration_seconds is not None else news.duration_seconds
    news.status = status or news.status
    news.transcript = transcript or news.transcript
    news.updated_at = now
    await session.flush()
    return news


async def recording_news(session: AsyncSession, recording_sid: str) -> RecordingNews | None:
    """The news waiting for the voicemail of `recording_sid`, if any."""
    return await session.get(RecordingNews, recording_sid)


def complete_voicemail(
    concern: Concern,
    *,
    recording_url: str | None = None,
    duration_seconds: int | None = None,
    transcript: str | None = None,
) -> None:
    """Fill in what a later callback knows about the concern's recording; nothing known is forgotten."""
    if recording_url:
        concern.recording_url = recording_url
    if duration_seconds is not None:
        concern.recording_duration = duration_seconds
    if transcript:
        concern.transcript = transcript


async def hand_over_news(session: AsyncSession, concern: Concern) -> None:
    """The voicemail concern takes over the news of its recording; the news row is deleted."""
    if concern.recording_sid is None:
        return
    news = await session.get(RecordingNews, concern.recording_sid)
    if news is None:
        return
    complete_voicemail(
        concern, recording_url=news.url, duration_seconds=news.duration_seconds, transcript=news.transcript
    )
    await session.delete(news)
    await session.flush()


async def forget_news(session: AsyncSession, recording_sids: Collection[str]) -> None:
    """Delete the news of these recordings."""
    if recording_sids:
        await session.execute(delete(RecordingNews).where(RecordingNews.recording_sid.in_(list(recording_sids))))


async def erase_news(session: AsyncSession, recording_sids: Collection[str]) -> None:
    """Erase what the news of these recordings says about the caller (the transcript) and
    where to fetch them, keeping the identifiers a deletion at Twilio still needs."""
    if recording_sids:
        await session.execute(
            update(RecordingNews)
            .where(RecordingNews.recording_sid.in_(list(recording_sids)))
            .values(transcript=None, url=None)
        )


async def unclaimed_news(session: AsyncSession, *, older_than: dt.datetime) -> list[str]:
    """Recordings whose news no concern took over and that last changed before `older_than`."""
    claimed = select(Concern.id).where(Concern.recording_sid == RecordingNews.recording_sid).exists()
    return list(
        await session.scalars(
            select(RecordingNews.recording_sid).where(RecordingNews.updated_at <= older_than, ~claimed)
        )
    )
