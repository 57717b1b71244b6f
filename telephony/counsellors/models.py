"""Which counsellors take hotline calls now, on which phone, for which regions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import JSONDocument, UTCDateTime


class CounsellorPresence(Base):
    __tablename__ = "telephony_presence"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164: a desk extension or a mobile
    regions: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    available: Mapped[bool] = mapped_column(Boolean, default=False)
    misses: Mapped[int] = mapped_column(Integer, default=0)  # unanswered rings in a row
    # The call ringing or connected now ("pending" while it is being placed); None when free.
    busy_call_sid: Mapped[str | None] = mapped_column(String(34))
    ring_region: Mapped[str | None] = mapped_column(String(40))
    ring_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    pin_digest: Mapped[str | None] = mapped_column(String(64), unique=True)  # keyed HMAC of the PIN
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
