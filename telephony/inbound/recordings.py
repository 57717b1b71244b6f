"""What Twilio tells us about recordings, kept until the voicemail it belongs to exists.

The recording status and transcription callbacks may arrive before the caller's <Record>
action has created the voicemail concern; `callbacks` reads them from here when it does.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

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
    transcript: Mapped[str | None] = mapped_column(Text)
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
    return await session.get(RecordingNews, recording_sid)


async def forget_recording(session: AsyncSession, recording_sid: str) -> None:
    """Drop what is kept about a recording once the recording itself is deleted."""
    await session.execute(delete(RecordingNews).where(RecordingNews.recording_sid == recording_sid))
