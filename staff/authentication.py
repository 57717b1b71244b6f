"""Checking a username and password, throttled after repeated failures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staff.accounts import StaffMember, as_member, normalise_username
from staff.models import LoginFailure, StaffUser
from staff.passwords import hash_password, needs_rehash, verify_password


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """How many failures within `window` lock a username, or an address, until the window passes."""

    window: dt.timedelta = dt.timedelta(minutes=15)
    per_username: int = 5
    per_remote: int = 20


class LoginThrottled(Exception):
    def __init__(self, retry_after: dt.timedelta) -> None:
        super().__init__(f"too many failed logins; try again in {int(retry_after.total_seconds())} s")
        self.retry_after = retry_after


async def authenticate(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    remote: str,
    now: dt.datetime,
    policy: ThrottlePolicy = ThrottlePolicy(),
) -> StaffMember | None:
    """The member whose credentials these are, or None (unknown user, wrong password, inactive
    account: deliberately not told apart). The failure is recorded in `session`, so commit it.
    Raises `LoginThrottled`, before checking anything, after too many recent failures."""
    name = normalise_username(username)[:64]
    remote = remote[:64]
    await _refuse_if_throttled(session, name, remote, now, policy)
    user = await session.scalar(select(StaffUser).where(StaffUser.username == name))
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        session.add(LoginFailure(username=name, remote=remote, at=now))
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    await session.execute(delete(LoginFailure).where(LoginFailure.username == name))
    return as_member(user)


async def _refuse_if_throttled(
    session: AsyncSession, username: str, remote: str, now: dt.datetime, policy: ThrottlePolicy
) -> None:
    since = now - policy.window
    await session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    for column, value, limit in (
        (LoginFailure.username, username, policy.per_username),
        (LoginFailure.remote, remote, policy.per_remote),
    ):
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(LoginFailure.at)).where(column == value, LoginFailure.at >= since)
            )
        ).one()
        if count >= limit:
            oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
            raise LoginThrottled(retry_after=max(oldest_at + policy.window - now, dt.timedelta(seconds=1)))
