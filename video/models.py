"""The counselling slice's tables: slots counsellors publish, the booking links we send, and
the bookings customers make.

Personal data (a number, a first name) lives only in invitations and bookings, which the
retention job empties like concerns; the contact log gets pseudonyms.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import UTCDateTime


class CounsellingSlot(Base):
    """A time a counsellor offers for one session in one region."""

    __tablename__ = "counselling_slots"
    __table_args__ = (
        Index("ix_counselling_slots_region_starts_at", "region", "starts_at"),
        Index("ix_counselling_slots_counsellor_starts_at", "counsellor_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(40))
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(10))  # one of video.vocabulary.SLOT_KINDS
    # Why a slot lies outside the region's counselling hours; required there, empty inside.
    reason: Mapped[str | None] = mapped_column(String(200))
    series: Mapped[str | None] = mapped_column(String(32))  # shared by the slots of one weekly repetition
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # no longer offered


class CounsellingInvitation(Base):
    """A booking link sent to a customer; spent once a booking is made with it."""

    __tablename__ = "counselling_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The random part of the link's token: nothing in a link names a person or a row.
    link_key: Mapped[str] = mapped_column(String(32), unique=True)
    region: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164 it was sent to; personal data
    language: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(20))  # one of video.vocabulary.INVITATION_SOURCES
    concern_id: Mapped[int | None] = mapped_column(ForeignKey("concerns.id", ondelete="SET NULL"))
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    spent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A retried webhook (the closed line's option, an SMS) finds the invitation it already made.
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)


class CounsellingBooking(Base):
    """A customer's session in a slot, by phone or video."""

    __tablename__ = "counselling_bookings"
    __table_args__ = (
        Index("ix_counselling_bookings_status_starts_at", "status", "starts_at"),
        Index("ix_counselling_bookings_region_starts_at", "region", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_key: Mapped[str] = mapped_column(String(32), unique=True)  # the random part of its own links
    slot_id: Mapped[int] = mapped_column(ForeignKey("counselling_slots.id", ondelete="CASCADE"), index=True)
    # The slot while the booking holds it: unique, so no slot is ever booked twice, whichever
    # process or database wins the race; cleared when the booking lets the slot go.
    holds_slot_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("counselling_invitations.id", ondelete="SET NULL"))
    region: Mapped[str] = mapped_column(String(40))
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the slot's, kept here for reminders and lists
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(10))  # one of video.vocabulary.SESSION_MODES
    room: Mapped[str | None] = mapped_column(String(64), unique=True)  # video only
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164; personal data
    first_name: Mapped[str | None] = mapped_column(String(60))  # personal data, shown in the meeting
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="booked")  # one of video.vocabulary.BOOKING_STATUSES
    booked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # cancelled, moved or outcome recorded
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)  # the counsellor's, with the outcome; personal data
    # Each reminder and the phone session's call are claimed by setting these first, so only
    # one process sends or dials, once.
    reminded_day_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminded_soon_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    call_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    counsellor_call_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    customer_call_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    # ringing_counsellor, ringing_customer, connected, failed: the phone session's call as it goes
    call_state: Mapped[str | None] = mapped_column(String(20))
    personal_data_deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
