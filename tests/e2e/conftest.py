"""The whole app on a real database, driven over HTTP by aiohttp's test client."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.app import Overrides, create_app
from staff.accounts import create_user
from telephony.outbound.twilio_rest import TwilioOutbound
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from, make_settings
from tests.twilio_requests import FakeTwilio

PASSWORD = "correct horse battery"
TWILIO_ACCOUNT = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "auth-token-of-the-test-account-0123456789"
TWILIO_OPEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # Thursday 10:30 in Siegburg: lines open
Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[Client]:
    settings = make_settings(tmp_path, database_url)
    client = await aiohttp_client(create_app(settings, overrides=Overrides(clock=clock, engine=engine)))
    yield client
    await client.close()  # the app stops (its arrival log's last round) before the engine is disposed


@pytest.fixture
async def staff(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    """anna: counsellor in Siegburg; paul: planner; root: admin and auditor."""
    async with sessions.begin() as session:
        await create_user(
            session,
            username="anna",
            password=PASSWORD,
            roles=["counsellor"],
            regions=["siegburg"],
            display_name="Anna Schmidt",
            now=clock(),
        )
        await create_user(session, username="paul", password=PASSWORD, roles=["planner"], now=clock())
        await create_user(session, username="root", password=PASSWORD, roles=["admin", "auditor"], now=clock())


async def log_in(client: Client, username: str, password: str = PASSWORD, next_path: str = "/") -> int:
    page = await client.get("/login")
    token = csrf_from(await page.text())
    response = await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_path},
        allow_redirects=False,
    )
    return response.status


@pytest.fixture
def fake_api() -> FakeTwilioApi:
    return FakeTwilioApi(TWILIO_ACCOUNT, TWILIO_TOKEN)


@pytest.fixture
async def app_client(
    aiohttp_client: Callable[..., Awaitable[Client]],
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    fake_api: FakeTwilioApi,
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[tuple[Client, FakeTwilio]]:
    """The app with Twilio credentials, its REST calls going to a fake Twilio API on loopback;
    anna is a counsellor in Siegburg; the clock stands on a Thursday morning."""
    api = await aiohttp_server(fake_api.application(), host="127.0.0.1")
    outbound = TwilioOutbound(TWILIO_ACCOUNT, TWILIO_TOKEN, api_base_url=str(api.make_url("")), retries=0)
    settings = make_settings(tmp_path, database_url, twilio_account_sid=TWILIO_ACCOUNT, twilio_auth_token=TWILIO_TOKEN)
    app = create_app(settings, overrides=Overrides(clock=clock, engine=engine, outbound=outbound, run_jobs=False))
    client = await aiohttp_client(app)
    async with sessions.begin() as session:
        await create_user(
            session, username="anna", password=PASSWORD, roles=["counsellor"], regions=["siegburg"], now=clock()
        )
    clock.now = TWILIO_OPEN
    yield client, FakeTwilio(client, settings)
    await client.close()  # the app stops (its arrival log's last round) before the engine is disposed
    await outbound.close()
