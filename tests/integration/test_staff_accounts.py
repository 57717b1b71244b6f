"""Staff accounts, logins and sessions on a real database (throttling: test_login_throttling)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff.accounts import AccountError, create_user, list_users
from staff.authentication import authenticate
from staff.login_clients import login_client
from staff.models import StaffUser
from staff.sessions import SessionPolicy, close_session, open_session, purge_expired_sessions, resolve_session
from tests.support import TEST_SECRET, ManualClock

PASSWORD = "correct horse battery"
HERE = login_client("127.0.0.1", None, "anna", TEST_SECRET, dt.datetime(2026, 11, 26, tzinfo=dt.UTC))


async def _add_anna(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessions.begin() as session:
        await create_user(
            session,
            username="Anna",
            password=PASSWORD,
            roles=["counsellor", "desk"],
            regions=["siegburg"],
            display_name="Anna Schmidt",
            now=clock(),
        )


async def test_created_user_is_listed_with_roles_and_regions_but_no_password(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _add_anna(sessions, clock)
    async with sessions() as session:
        [anna] = await list_users(session)
        stored = await session.scalar(select(StaffUser.password_hash))
    assert (anna.username, anna.display_name) == ("anna", "Anna Schmidt")
    assert anna.roles == {"counsellor", "desk"} and anna.regions == {"siegburg"}
    assert stored is not None and PASSWORD not in stored and stored.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("username", "password", "roles", "message"),
    [
        ("anna", PASSWORD, ["desk"], "exists already"),
        ("x", PASSWORD, ["desk"], "not a valid username"),
        ("bernd", "short", ["desk"], "at least 10 characters"),
        ("bernd", PASSWORD, [], "at least one role"),
    ],
)
async def test_bad_accounts_are_refused_with_the_reason(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    username: str,
    password: str,
    roles: list[str],
    message: str,
) -> None:
    await _add_anna(sessions, clock)
    with pytest.raises(AccountError, match=message):
        async with sessions.begin() as session:
            await create_user(session, username=username, password=password, roles=roles, now=clock())  # type: ignore[arg-type]
    async with sessions() as session:
        assert [u.username for u in await list_users(session)] == ["anna"]


async def test_login_checks_the_password_and_ignores_the_case_of_the_name(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _add_anna(sessions, clock)
    async with sessions.begin() as session:
        member = await authenticate(session, username=" ANNA ", password=PASSWORD, client=HERE, now=clock())
    assert member is not None and member.username == "anna"
    for username, password in (("anna", "wrong password"), ("nobody", PASSWORD)):
        async with sessions.begin() as session:
            assert await authenticate(session, username=username, password=password, client=HERE, now=clock()) is None


async def test_sessions_expire_when_idle_or_too_old_and_end_at_logout(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _add_anna(sessions, clock)
    policy = SessionPolicy(idle_timeout=dt.timedelta(minutes=30), absolute_timeout=dt.timedelta(hours=2))
    async with sessions.begin() as session:
        member = await authenticate(session, username="anna", password=PASSWORD, client=HERE, now=clock())
        assert member is not None
        idle_token = await open_session(session, member, clock(), policy)
        busy_token = await open_session(session, member, clock(), policy)
        logout_token = await open_session(session, member, clock(), policy)

    async def lookup(token: str) -> tuple[str | None, bool]:
        async with sessions.begin() as session:
            found = await resolve_session(session, token, clock(), policy)
        return (found.member.username if found.member else None, found.expired)

    assert await lookup("bogus") == (None, False)
    async with sessions.begin() as session:
        await close_session(session, logout_token)
    assert await lookup(logout_token) == (None, False)
    for _ in range(4):  # the busy session is used every 25 minutes, the idle one is not
        clock.advance(minutes=25)
        assert await lookup(busy_token) == ("anna", False)
    clock.advance(minutes=25)  # 125 minutes after login
    assert await lookup(idle_token) == (None, True)
    assert await lookup(idle_token) == (None, False)  # an expired session is gone, not kept
    assert await lookup(busy_token) == (None, True)  # past the absolute timeout, used or not
    async with sessions.begin() as session:
        assert await purge_expired_sessions(session, clock(), policy) == 0
