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
    stale: bool = False  # worth a write: to note the use (`touch_interval`) or drop the row


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


async def look_up_session(
    session: AsyncSession, token: str, now: dt.datetime, policy: SessionPolicy = SessionPolicy()
) -> SessionLookup:
    """The member a token belongs to, reading only; `expired` tells an outdated login from a
    bogus token, `stale` whether `note_session_use` should follow."""
    row = await session.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))
    if row is None:
        return SessionLookup(member=None, expired=False)
    if now >= row.expires_at or now - row.last_seen_at >= policy.idle_timeout:
        return SessionLookup(member=None, expired=True, stale=True)
    user = await session.get(StaffUser, row.user_id)
    if user is None or not user.active:
        return SessionLookup(member=None, expired=True, stale=True)
    return SessionLookup(member=as_member(user), expired=False, stale=now - row.last_seen_at >= policy.touch_interval)


async def note_session_use(
    session: AsyncSession, token: str, now: dt.datetime, policy: SessionPolicy = SessionPolicy()
) -> None:
    """Write what a lookup found stale: the session's last use, or its end."""
    row = await session.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))
    if row is None:
        return
    user = await session.get(StaffUser, row.user_id)
    expired = now >= row.expires_at or now - row.last_seen_at >= policy.idle_timeout
    if expired or user is None or not user.active:
        await session.delete(row)
    elif now - row.last_seen_at >= policy.touch_interval:
        row.last_seen_at = now


async def resolve_session(
    session: AsyncSession, token: str, now: dt.datetime, policy: SessionPolicy = SessionPolicy()
) -> SessionLookup:
    """Look up and note the use in one unit of work (`session` must be able to write)."""
    found = await look_up_session(session, token, now, policy)
    if found.stale:
        await note_session_use(session, token, now, policy)
    return found


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
