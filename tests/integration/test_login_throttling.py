"""The login throttle on a real database: growing delays per client, per address and, for
unknown clients, per user name; trusted devices; and no way to lock a colleague out."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff.accounts import StaffMember, create_user
from staff.authentication import LoginThrottled, ThrottlePolicy, authenticate
from staff.login_clients import DEVICE_COOKIE_LIFETIME, LoginClient, issue_device_token, login_client
from staff.models import LoginFailure
from tests.support import TEST_SECRET, ManualClock

PASSWORD = "correct horse battery"
WRONG = "not the password at all"
POLICY = ThrottlePolicy()  # the service's own numbers


@pytest.fixture
async def colleagues(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessions.begin() as session:
        for name in ("anna", "paul"):
            await create_user(session, username=name, password=PASSWORD, roles=["counsellor"], now=clock())


pytestmark = pytest.mark.usefixtures("colleagues")


def client(address: str, clock: ManualClock, *, device: str | None = None, username: str = "anna") -> LoginClient:
    return login_client(address, device, username, TEST_SECRET, clock())


async def attempt(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    who: LoginClient,
    password: str = WRONG,
    username: str = "anna",
) -> StaffMember | None:
    async with sessions.begin() as session:
        return await authenticate(session, username=username, password=password, client=who, now=clock(), policy=POLICY)


async def wait_of(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    who: LoginClient,
    password: str = WRONG,
    username: str = "anna",
) -> dt.timedelta:
    with pytest.raises(LoginThrottled) as throttled:
        await attempt(sessions, clock, who, password, username)
    return throttled.value.retry_after


async def test_five_wrong_passwords_from_one_address_leave_the_right_one_from_another_working(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    attacker, anna = client("203.0.113.7", clock), client("198.51.100.20", clock)
    for _ in range(5):
        assert await attempt(sessions, clock, attacker) is None
    assert await wait_of(sessions, clock, attacker, PASSWORD) == dt.timedelta(seconds=30)
    member = await attempt(sessions, clock, anna, PASSWORD)
    assert member is not None and member.username == "anna"


async def test_one_client_waits_longer_after_each_further_failure_up_to_fifteen_minutes(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    attacker = client("203.0.113.7", clock)
    for _ in range(5):
        await attempt(sessions, clock, attacker)
    waits = []
    for _ in range(7):
        wait = await wait_of(sessions, clock, attacker)
        waits.append(int(wait.total_seconds()))
        clock.advance(seconds=wait.total_seconds() - 1)
        assert await wait_of(sessions, clock, attacker) == dt.timedelta(seconds=1)  # not a moment early
        clock.advance(seconds=1)
        assert await attempt(sessions, clock, attacker) is None
    assert waits == [30, 60, 120, 240, 480, 900, 900]


async def test_failures_are_forgotten_after_an_hour(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    attacker = client("203.0.113.7", clock)
    for _ in range(5):
        await attempt(sessions, clock, attacker)
    clock.advance(minutes=60)
    for _ in range(5):  # five free tries again
        assert await attempt(sessions, clock, attacker) is None


async def test_one_address_trying_many_user_names_is_slowed_down_as_a_whole(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    sprayer = "203.0.113.7"
    for n in range(20):
        assert await attempt(sessions, clock, client(sprayer, clock, username=f"user{n}"), username=f"user{n}") is None
    assert await wait_of(sessions, clock, client(sprayer, clock, username="paul"), PASSWORD, "paul") == dt.timedelta(
        minutes=1
    )
    member = await attempt(sessions, clock, client("198.51.100.20", clock, username="paul"), PASSWORD, "paul")
    assert member is not None  # only that address waits


async def test_guessing_one_name_from_many_addresses_slows_unknown_clients_but_never_locks_them_out(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    for n in range(10):  # a botnet: one try per address
        assert await attempt(sessions, clock, client(f"203.0.113.{n}", clock)) is None
    newcomer = client("198.51.100.20", clock)  # anna on a new computer
    assert await wait_of(sessions, clock, newcomer, PASSWORD) == dt.timedelta(seconds=15)
    clock.advance(seconds=15)
    assert await attempt(sessions, clock, newcomer, PASSWORD) is not None
    assert await attempt(sessions, clock, client("203.0.113.10", clock)) is None  # its next try is due too
    waits = []
    for n in range(11, 20):  # the botnet goes on as fast as it is let
        wait = await wait_of(sessions, clock, client(f"203.0.113.{n}", clock))
        waits.append(int(wait.total_seconds()))
        clock.advance(seconds=wait.total_seconds())
        assert await attempt(sessions, clock, client(f"203.0.113.{n}", clock)) is None
    assert waits == [30, 60, 120, 240, 300, 300, 300, 300, 300]
    # the right password from a new computer still gets through, after at most five minutes
    assert await wait_of(sessions, clock, newcomer, PASSWORD) == dt.timedelta(minutes=5)
    clock.advance(minutes=5)
    assert await attempt(sessions, clock, newcomer, PASSWORD) is not None


async def test_a_browser_anna_logged_in_with_before_is_exempt_from_the_name_and_address_limits(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    token = issue_device_token("anna", TEST_SECRET, clock())
    clock.advance(days=30)
    for n in range(10):
        await attempt(sessions, clock, client(f"203.0.113.{n}", clock))
    for n in range(20):  # the same address that anna's office shares
        await attempt(sessions, clock, client("192.0.2.1", clock, username=f"user{n}"), username=f"user{n}")
    assert await wait_of(sessions, clock, client("192.0.2.1", clock), PASSWORD) > dt.timedelta(0)
    trusted = client("192.0.2.1", clock, device=token)
    assert trusted.trusted
    member = await attempt(sessions, clock, trusted, PASSWORD)
    assert member is not None and member.username == "anna"


async def test_a_trusted_browser_has_growing_delays_of_its_own(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    device = client("192.0.2.1", clock, device=issue_device_token("anna", TEST_SECRET, clock()))
    for _ in range(5):
        assert await attempt(sessions, clock, device) is None
    assert await wait_of(sessions, clock, device, PASSWORD) == dt.timedelta(seconds=30)
    assert await attempt(sessions, clock, client("192.0.2.1", clock), PASSWORD) is not None  # its address is not held


async def test_a_forged_or_borrowed_device_cookie_counts_as_none(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    annas = issue_device_token("anna", TEST_SECRET, clock())
    issued, nonce, signature = annas.split(".")
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    forged = [
        f"{issued}.{nonce}.{flipped}",  # signature tampered with
        f"{int(issued) + 60}.{nonce}.{signature}",  # issue time changed
        issue_device_token("paul", TEST_SECRET, clock()),  # a colleague's cookie, for anna's name
        issue_device_token("anna", "another-secret-key-that-is-long-enough-0123", clock()),
        "garbage",
        "1.2.3.4",
    ]
    assert all(not client("192.0.2.1", clock, device=token).trusted for token in forged)
    clock.advance(days=DEVICE_COOKIE_LIFETIME.days + 1)
    assert not client("192.0.2.1", clock, device=annas).trusted  # expired
    for n in range(10):
        await attempt(sessions, clock, client(f"203.0.113.{n}", clock))
    for token in forged:
        assert await wait_of(sessions, clock, client("192.0.2.1", clock, device=token), PASSWORD) > dt.timedelta(0)


async def test_unknown_and_existing_user_names_are_throttled_alike(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    waits: dict[str, list[dt.timedelta]] = {}
    for name, address in (("anna", "203.0.113.1"), ("nobody", "203.0.113.2")):
        who = client(address, clock, username=name)
        for _ in range(5):
            await attempt(sessions, clock, who, username=name)
        waits[name] = [await wait_of(sessions, clock, who, PASSWORD, name)]
        clock.advance(seconds=30)
        await attempt(sessions, clock, who, username=name)
        waits[name].append(await wait_of(sessions, clock, who, PASSWORD, name))
    assert waits["anna"] == waits["nobody"] == [dt.timedelta(seconds=30), dt.timedelta(seconds=60)]


async def test_failures_are_stored_under_pseudonyms_and_a_login_clears_only_its_own(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    for address in ("203.0.113.7", "198.51.100.20"):
        for _ in range(2):
            await attempt(sessions, clock, client(address, clock))
    assert await attempt(sessions, clock, client("198.51.100.20", clock), PASSWORD) is not None
    async with sessions() as session:
        rows = (await session.scalars(select(LoginFailure))).all()
    assert [row.client for row in rows] == [client("203.0.113.7", clock).address] * 2
    assert all(row.client.startswith("a:") and "203.0.113" not in row.client for row in rows)
