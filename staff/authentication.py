"""Checking a username and password, slowed down after repeated failures.

No rule here can shut a colleague out: a lock on a user name (five wrong passwords from
anywhere) let anyone lock anyone out. Instead failures are counted three ways, and each count
past its free allowance makes the next attempt wait, longer with every further failure:

- per client: one user name from one address, or from one trusted device;
- per address: any user names from one address (password spraying);
- per user name, for unknown clients only: guessing one account from many addresses.

A trusted device, a browser carrying a valid device cookie for this user name
(`staff.login_clients`), counts only its own failures: an attacker elsewhere can slow down
unknown clients, never the browsers the colleague logged in with before. And the per-user-name
delay is capped at minutes, so the right password from a new browser also gets through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staff.accounts import StaffMember, as_member, normalise_username
from staff.login_clients import ADDRESS_KIND, LoginClient
from staff.models import LoginFailure, StaffUser
from staff.passwords import hash_password, needs_rehash, verify_password

_MAX_DOUBLINGS = 16  # a delay stops growing at its cap long before; this keeps the arithmetic small


@dataclass(frozen=True, slots=True)
class Allowance:
    """`free` failures cost nothing; after that the next attempt waits `first_delay` after the
    latest failure, twice as long after each further one, at most `longest_delay`."""

    free: int
    first_delay: dt.timedelta
    longest_delay: dt.timedelta

    def delay_after(self, failures: int) -> dt.timedelta:
        if failures < self.free:
            return dt.timedelta(0)
        return min(self.first_delay * (1 << min(failures - self.free, _MAX_DOUBLINGS)), self.longest_delay)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """Failures older than `window` are forgotten; each count has its own allowance."""

    window: dt.timedelta = dt.timedelta(hours=1)
    # A colleague mistyping: five tries, then 30 s, 1, 2, 4, 8 and at most 15 minutes.
    per_client: Allowance = field(
        default_factory=lambda: Allowance(5, dt.timedelta(seconds=30), dt.timedelta(minutes=15))
    )
    # A whole office may share one address; unknown clients only, trusted devices are exempt.
    per_address: Allowance = field(
        default_factory=lambda: Allowance(20, dt.timedelta(minutes=1), dt.timedelta(minutes=15))
    )
    # Unknown clients of one user name, wherever they are: a slow-down, never a lock.
    per_username: Allowance = field(
        default_factory=lambda: Allowance(10, dt.timedelta(seconds=15), dt.timedelta(minutes=5))
    )


class LoginThrottled(Exception):
    """Too many recent failures; `limit` (for the log) names the count that ran over."""

    def __init__(self, retry_after: dt.timedelta, limit: str) -> None:
        super().__init__(f"too many failed logins ({limit}); try again in {int(retry_after.total_seconds())} s")
        self.retry_after = retry_after
        self.limit = limit


async def authenticate(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    client: LoginClient,
    now: dt.datetime,
    policy: ThrottlePolicy = ThrottlePolicy(),
) -> StaffMember | None:
    """The member whose credentials these are, or None (unknown user, wrong password, inactive
    account: deliberately not told apart). The failure is recorded in `session`, so commit it.
    Raises `LoginThrottled`, before checking anything, while `client` has to wait."""
    name = normalise_username(username)[:64]
    await _serialise_attempts(session, client, name)
    await _refuse_if_throttled(session, name, client, now, policy)
    user = await session.scalar(select(StaffUser).where(StaffUser.username == name))
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        session.add(LoginFailure(username=name, client=client.key, at=now))
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    # Only this client's slate is wiped: the failures of others still slow down unknown clients.
    await session.execute(delete(LoginFailure).where(LoginFailure.username == name, LoginFailure.client == client.key))
    return as_member(user)


async def _refuse_if_throttled(
    session: AsyncSession, username: str, client: LoginClient, now: dt.datetime, policy: ThrottlePolicy
) -> None:
    since = now - policy.window
    await session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
    counts: list[tuple[str, ColumnElement[bool], Allowance]] = [
        ("client", (LoginFailure.username == username) & (LoginFailure.client == client.key), policy.per_client)
    ]
    if not client.trusted:
        counts += [
            ("address", LoginFailure.client == client.address, policy.per_address),
            (
                "username",
                (LoginFailure.username == username) & LoginFailure.client.startswith(ADDRESS_KIND, autoescape=True),
                policy.per_username,
            ),
        ]
    waits = [(await _wait(session, condition, allowance, since, now), limit) for limit, condition, allowance in counts]
    longest, limit = max(waits, key=lambda wait: wait[0])
    if longest > dt.timedelta(0):
        raise LoginThrottled(retry_after=longest, limit=limit)


async def _wait(
    session: AsyncSession, condition: ColumnElement[bool], allowance: Allowance, since: dt.datetime, now: dt.datetime
) -> dt.timedelta:
    """How long from `now` the next attempt under this count has to wait (zero: it may go)."""
    failures, latest = (
        await session.execute(select(func.count(), func.max(LoginFailure.at)).where(condition, LoginFailure.at > since))
    ).one()
    if latest is None:
        return dt.timedelta(0)
    latest_at = latest if latest.tzinfo else latest.replace(tzinfo=dt.UTC)
    return max(latest_at + allowance.delay_after(failures) - now, dt.timedelta(0))


async def _serialise_attempts(session: AsyncSession, client: LoginClient, username: str) -> None:
    """One attempt at a time per client and per user name, so parallel requests cannot all
    pass the count before any failure is recorded. SQLite: every transaction starts
    IMMEDIATE, one writer at a time already. PostgreSQL: transaction locks, always the
    client's first, so two attempts never wait for each other crosswise."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in (f"client|{client.key}", f"username|{username}"):
        lock_id = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        await session.execute(select(func.pg_advisory_xact_lock(lock_id)))
