"""What the Twilio edge remembers about a call between webhooks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import UTCDateTime


class Call(Base):
    """One call leg; no phone number is kept here (each webhook brings it again)."""

    __tablename__ = "telephony_calls"
    __table_args__ = (Index("ix_telephony_calls_region_queued_at", "region", "queued_at"),)

    call_sid: Mapped[str] = mapped_column(String(34), primary_key=True)
    region: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(20))  # inbound, counsellor
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20))  # Twilio's last CallStatus
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    queue_choice: Mapped[str | None] = mapped_column(String(20))  # what a waiting caller pressed
    queue_position: Mapped[int | None] = mapped_column(Integer)  # as Twilio last told it
    outcome: Mapped[str | None] = mapped_column(String(20))
