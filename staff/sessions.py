"""Login sessions: a random token in an HttpOnly cookie, its hash in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from staff.accounts import StaffMember, as_member
from staff.models import StaffSession, StaffUser


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle_timeout: dt.timedelta = dt.timedelta(hours=2)
    absolute_timeout: dt.timedelta = dt.timedelta(hours=12)
    # Writing last_seen_at on every request would turn each page view into a write.
    touch_interval: dt.timedelta = dt.timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SessionLookup:
    member: StaffMember | None
    expired: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(
    session: AsyncSession, member: StaffMember, now: dt.datetime, policy: SessionPolicy = SessionPolicy()
) -> str:
    """Start a login for `member`; returns the token for the cookie (stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=_digest(token),
            user_id=member.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute_timeout,
        )
    )
    await session.flush()
    return token


async def resolve_session(
    session: AsyncSession, token: str, now: dt.datetime, policy: SessionPolicy = SessionPolicy()
) -> SessionLookup:
    """The member a token belongs to; `expired` tells an outdated login from a bogus token."""
    row = await session.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))
    if row is None:
        return SessionLookup(member=None, expired=False)
    if now >= row.expires_at or now - row.last_seen_at >= policy.idle_timeout:
        await session.delete(row)
        return SessionLookup(member=None, expired=True)
    user = await session.get(StaffUser, row.user_id)
    if user is None or not user.active:
        await session.delete(row)
        return SessionLookup(member=None, expired=True)
    if now - row.last_seen_at >= policy.touch_interval:
        row.last_seen_at = now
    return SessionLookup(member=as_member(user), expired=False)


async def close_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


async def purge_expired_sessions(
    session: AsyncSession, now: dt.datetime, policy: SessionPolicy = SessionPolicy()
) -> int:
    """Delete sessions past either timeout; returns how many."""
    result = await session.execute(
        delete(StaffSession).where(
            (StaffSession.expires_at <= now) | (StaffSession.last_seen_at <= now - policy.idle_timeout)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
