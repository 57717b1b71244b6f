"""How often one client address may send the public web form, counted in the database.

The count lives in a table, not in process memory, so the limit holds however many service
processes share the database. Rows carry a keyed HMAC of the address, never the address itself
(an IP address is personal data), and are deleted once older than the longest window, so the
table holds at most a day of submissions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import Index, Integer, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from staff.client_addresses import client_address_group
from storage.base import Base
from storage.clock import Clock
from storage.types import UTCDateTime

_HOUR = dt.timedelta(hours=1)
_DAY = dt.timedelta(days=1)
_WEB_FORM = b"hotline web form address v1"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Accepted web-form submissions allowed per client address.

    5 an hour is more than one household needs (a typo corrected, a second concern), while a
    shared address (a shelter, a library, a mobile carrier's NAT) still gets 50 a day; a script
    is stopped after a handful. Refused or invalid forms store nothing and are not counted.
    """

    per_hour: int = 5
    per_day: int = 50

    def __post_init__(self) -> None:
        if self.per_hour < 1 or self.per_day < 1:
            raise ValueError("a rate limit allows at least one submission per window")


class RateLimited(Exception):
    """Too many submissions from one address; `retry_at` (UTC) is when the next one is accepted."""

    def __init__(self, retry_at: dt.datetime) -> None:
        super().__init__(f"too many web-form submissions; next one accepted at {retry_at.isoformat()}")
        self.retry_at = retry_at


class IntakeRateLimit(Base):
    """One accepted web-form submission of a client address (as a keyed HMAC), kept for a day."""

    __tablename__ = "intake_rate_limits"
    __table_args__ = (Index("ix_intake_rate_limits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 (hex) of the address, never the address
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)  # the index serves the pruning


def address_key(remote: str | None, secret: str, purpose: bytes = _WEB_FORM) -> str:
    """A pseudonym of the client address under the service's secret; IPv6 counts per /64 network.
    Each `purpose` (a page's forms) gets keys of its own, hence an allowance of its own."""
    key = hmac.new(secret.encode(), purpose, hashlib.sha256).digest()
    return hmac.new(key, client_address_group(remote).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AddressAllowance:
    """Another public page's forms counted in the same table under keys of their own purpose
    (the counselling pages: `video.page_limits.SubmissionLimit`); every form sent counts."""

    sessions: async_sessionmaker[AsyncSession]
    secret: str
    clock: Clock
    purpose: bytes
    limit: RateLimit

    async def admit(self, remote: str | None) -> dt.datetime | None:
        """Count one form from `remote`; when the next is accepted if the allowance is used up."""
        key, now = address_key(remote, self.secret, self.purpose), self.clock()
        async with self.sessions.begin() as session:
            try:
                await admit_submission(session, key, now, self.limit)
            except RateLimited as exc:
                return exc.retry_at
            await record_submission(session, key, now)
        return None


async def admit_submission(session: AsyncSession, key: str, now: dt.datetime, limit: RateLimit) -> None:
    """Raise `RateLimited` if `key` has used up an allowance; prune what no window needs any more.

    Call it in the transaction that goes on to `record_submission`, so the count and the new
    row are one step: SQLite transactions start IMMEDIATE (one writer at a time); PostgreSQL
    gets a transaction lock per key, so two processes cannot both take the last place.
    """
    await session.execute(delete(IntakeRateLimit).where(IntakeRateLimit.at <= now - _DAY))
    await _lock_key(session, key)
    full_until = [
        await _full_until(session, key, now, window, allowed)
        for window, allowed in ((_HOUR, limit.per_hour), (_DAY, limit.per_day))
    ]
    waits = [moment for moment in full_until if moment is not None]
    if waits:
        raise RateLimited(max(waits))  # both windows must have room again


async def record_submission(session: AsyncSession, key: str, now: dt.datetime) -> None:
    """Count one accepted submission of `key` at `now`."""
    session.add(IntakeRateLimit(key=key, at=now))
    await session.flush()


async def _full_until(
    session: AsyncSession, key: str, now: dt.datetime, window: dt.timedelta, allowed: int
) -> dt.datetime | None:
    """When the window stops being full, or None if there is room: once the `allowed`-th newest
    submission falls out of the window, one more fits."""
    boundary = await session.scalar(
        select(IntakeRateLimit.at)
        .where(IntakeRateLimit.key == key, IntakeRateLimit.at > now - window)
        .order_by(IntakeRateLimit.at.desc())
        .offset(allowed - 1)
        .limit(1)
    )
    return None if boundary is None else boundary + window


async def _lock_key(session: AsyncSession, key: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the IMMEDIATE transaction already excludes every other writer
    lock_id = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)  # a bigint
    await session.execute(select(func.pg_advisory_xact_lock(lock_id)))
