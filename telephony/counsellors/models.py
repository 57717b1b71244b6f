"""Which counsellors take hotline calls now, for which regions (the phone rung is the one on
their staff account); how they are recognised on the staff line, and which caller numbers it
has blocked after wrong PINs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import JSONDocument, UTCDateTime


class CounsellorPresence(Base):
    __tablename__ = "telephony_presence"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    regions: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    available: Mapped[bool] = mapped_column(Boolean, default=False)
    misses: Mapped[int] = mapped_column(Integer, default=0)  # unanswered rings in a row
    # The call ringing or connected now ("pending" while it is being placed); None when free.
    busy_call_sid: Mapped[str | None] = mapped_column(String(34))
    ring_region: Mapped[str | None] = mapped_column(String(40))
    ring_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Keyed HMAC of the PIN and the user id. Not unique: a PIN is only ever checked for one
    # counsellor (known by caller number or staff number), so two may hold the same PIN.
    pin_digest: Mapped[str | None] = mapped_column(String(64))
    pin_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Issued by the service with the first PIN; keyed in on the staff line from any other phone.
    staff_number: Mapped[str | None] = mapped_column(String(8), unique=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StaffLinePhone(Base):
    """A further phone of a counsellor (besides the one rung) from which the PIN alone suffices."""

    __tablename__ = "telephony_staff_line_phones"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)  # E.164
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StaffLineFailure(Base):
    """A wrong PIN on the staff line, kept only for the counting window; the caller number as a
    keyed pseudonym, never the number."""

    __tablename__ = "telephony_staff_line_failures"
    __table_args__ = (Index("ix_telephony_staff_line_failures_caller_key_at", "caller_key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caller_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)  # the index serves the pruning


class StaffLineBlock(Base):
    """A caller number (as a keyed pseudonym) the staff line refuses until `until`."""

    __tablename__ = "telephony_staff_line_blocks"

    caller_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
