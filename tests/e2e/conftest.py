"""The whole app on a real database, driven over HTTP by aiohttp's test client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.app import Overrides, create_app
from staff.accounts import create_user
from tests.support import ManualClock, csrf_from, make_settings

PASSWORD = "correct horse battery"
Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
) -> Client:
    settings = make_settings(tmp_path, database_url)
    return await aiohttp_client(create_app(settings, overrides=Overrides(clock=clock, engine=engine)))


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
