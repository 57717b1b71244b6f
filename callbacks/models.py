"""The concern queue's table: one row per concern (Anliegen), whatever channel it came by."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import UTCDateTime


class Concern(Base):
    __tablename__ = "concerns"
    __table_args__ = (Index("ix_concerns_region_status_due_at", "region", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # what the customer is told
    region: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))  # phone_callback, voicemail, ...
    status: Mapped[str] = mapped_column(String(20), default="open")
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    callback_number: Mapped[str | None] = mapped_column(String(20))  # E.164; personal data
    language: Mapped[str] = mapped_column(String(8))
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # keeps a caller's turn
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # A retried webhook carries the same key and finds the concern it already created.
    source_key: Mapped[str] = mapped_column(String(80), unique=True)
    call_sid: Mapped[str | None] = mapped_column(String(34))
    recording_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    recording_url: Mapped[str | None] = mapped_column(String(300))
    recording_duration: Mapped[int | None] = mapped_column(Integer)
    transcript: Mapped[str | None] = mapped_column(Text)
