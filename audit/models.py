"""The audit trail's tables: the hash-chained records, their daily anchors, the verifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import JSONDocument, UTCDateTime

HASH_LENGTH = 64  # SHA-256 in hex


class AuditEntry(Base):
    """One staff action (or job, or command) on personal data or on the record; never changed."""

    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_trail_at", "at"),)

    # Assigned by `audit.trail.append` under its lock, not by the database: gap-free, one chain.
    # The primary key is the last line of defence: two appenders that read the same head cannot
    # both write its successor, so a fork is refused by the database even if the lock were missing.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(64))  # IPv6 with a zone fits
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class AuditAnchor(Base):
    """The head of the chain as it stood once a day, also written to the service log, so that a
    copy kept outside the system can show a later rewrite of everything up to it."""

    __tablename__ = "audit_anchors"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    anchored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class AuditVerification(Base):
    """The outcome of one walk along the chain (the daily job's or `hotline audit verify`'s)."""

    __tablename__ = "audit_verifications"
    __table_args__ = (Index("ix_audit_verifications_verified_at", "verified_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    verified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    verified_by: Mapped[str] = mapped_column(String(80))
    rows_checked: Mapped[int] = mapped_column(BigInteger)
    head_seq: Mapped[int | None] = mapped_column(BigInteger)
    head_hash: Mapped[str | None] = mapped_column(String(HASH_LENGTH))
    first_bad_seq: Mapped[int | None] = mapped_column(BigInteger)
    break_kind: Mapped[str | None] = mapped_column(String(20))
    explanation: Mapped[str | None] = mapped_column(String(300))
