"""The contact-event table: one row per thing that happened, never a caller's number."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from contacts.vocabulary import CONTACT_CHANNELS
from storage.base import Base
from storage.types import JSONDocument, UTCDateTime

_CHANNEL_LIST = ", ".join(f"'{c}'" for c in CONTACT_CHANNELS)


class ContactEvent(Base):
    __tablename__ = "contact_events"
    __table_args__ = (
        CheckConstraint(f"channel IN ({_CHANNEL_LIST})", name="channel"),
        Index("ix_contact_events_occurred_at", "occurred_at"),
        Index("ix_contact_events_region_occurred_at", "region", "occurred_at"),
        Index("ix_contact_events_reference", "reference"),
        Index("ix_contact_events_kind_occurred_at", "kind", "occurred_at", "reference"),  # the auditor's search by kind
    )

    # SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL wants room to grow.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    region: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(40))
    caller_pseudonym: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(64))  # the call (CallSid) or concern
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
