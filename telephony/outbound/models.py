"""The simulator's outbox: every call, text and deletion the service would have asked Twilio for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import UTCDateTime

OUTBOX_KINDS = ("call", "sms", "hang_up", "delete_recording")
_KIND_LIST = ", ".join(f"'{k}'" for k in OUTBOX_KINDS)


class OutboxEntry(Base):
    """One outbound action. Calls and texts get a SID of their own, as Twilio would give them;
    a hang-up or deletion has none (`sid` is NULL) and names the call or recording in `body`."""

    __tablename__ = "telephony_outbox"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KIND_LIST})", name="kind"),
        Index("ix_telephony_outbox_created_at", "created_at"),
    )

    # SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL wants room to grow.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    to_number: Mapped[str | None] = mapped_column(String(20))
    from_number: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(Text)  # the SMS text, the call's TwiML URL, or the SID acted on
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
