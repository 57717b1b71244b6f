"""The concern queue's tables: concerns (Anliegen) from every channel, their history, and the
attempts to call customers back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import JSONDocument, UTCDateTime

CONCERN_CHANNELS = ("phone_callback", "voicemail", "walk_in", "web_form", "sms")
STATUSES = ("open", "unreachable", "closed")  # a claim is a lease on an open concern, not a status
QUEUE_INDEX_WHERE = "status = 'open' AND next_attempt_at IS NULL AND claimed_by IS NULL"
OUTCOMES = ("settled", "appointment_made", "forwarded", "counselling_booked")
MERGED = "merged"  # the outcome of a concern staff merged into the one it is linked to; not a settlement
WITHDRAWN = "withdrawn"  # the outcome of an open concern whose customer asked for erasure; not a settlement


class Concern(Base):
    __tablename__ = "concerns"
    __table_args__ = (
        Index("ix_concerns_region_status_due_at", "region", "status", "due_at"),
        Index("ix_concerns_callback_number_region_status", "callback_number", "region", "status"),
        Index("ix_concerns_status_next_attempt_at", "status", "next_attempt_at"),
        # "Take next" reads free open concerns by due time; the partial index holds only those.
        Index(
            "ix_concerns_queue",
            "due_at",
            postgresql_where=text(QUEUE_INDEX_WHERE),
            sqlite_where=text(QUEUE_INDEX_WHERE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # what the customer is told
    region: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))  # one of CONCERN_CHANNELS
    status: Mapped[str] = mapped_column(String(20), default="open")
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    topic: Mapped[str | None] = mapped_column(String(40))
    callback_number: Mapped[str | None] = mapped_column(String(20))  # E.164; personal data
    customer_name: Mapped[str | None] = mapped_column(String(120))  # personal data
    note: Mapped[str | None] = mapped_column(Text)  # personal data
    language: Mapped[str] = mapped_column(String(8))
    window_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # when the customer can be reached
    window_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ad_hoc_talk: Mapped[bool] = mapped_column(Boolean, default=False)  # settled at the desk at once
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # keeps a caller's turn
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_flag: Mapped[str | None] = mapped_column(String(10))  # due_soon, overdue: set by a job
    # A retried webhook carries the same key and finds the concern it already created.
    source_key: Mapped[str] = mapped_column(String(80), unique=True)
    call_sid: Mapped[str | None] = mapped_column(String(34))
    recording_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    recording_url: Mapped[str | None] = mapped_column(String(300))
    recording_duration: Mapped[int | None] = mapped_column(Integer)
    recording_deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    transcript: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    claim_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    # Raised by anonymous input (the contact form): the number was typed, not proven, so the
    # intake never merges anything into it, nor it into anything; staff decide.
    unverified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An open concern of the same number and region when this unverified one came in (or, for
    # one that came in first, the verified one that followed): staff may merge the two.
    linked_concern_id: Mapped[int | None] = mapped_column(ForeignKey("concerns.id", ondelete="SET NULL"), index=True)


class ConcernEntry(Base):
    """One line of a concern's history: created, merged, claimed, attempt, closed, ..."""

    __tablename__ = "concern_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class CallbackAttempt(Base):
    """One try to reach a customer: the counsellor is rung first, then the customer is bridged."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"), index=True)
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    counsellor_call_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    customer_call_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    # While the call lasts: ringing_counsellor, ringing_customer, connected (the outcome ends it).
    state: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))  # reached, busy, no_answer, machine, failed, error
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))


class ConcernSource(Base):
    """Every delivery that raised or joined a concern (a webhook, a form post), so a repeat of
    the same delivery finds its concern again, also after it was merged into another."""

    __tablename__ = "concern_sources"

    source_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"), index=True)
