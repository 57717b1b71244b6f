"""An account switched off while its owner is logged in: the very next request is logged out,
pages send the browser to the login, the API answers 401, and nothing is changed on its behalf."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import Concern
from service import keys
from staff.models import StaffSession, StaffUser
from tests.e2e.conftest import Client, log_in
from tests.e2e.test_staff_pages import redirect_of
from tests.e2e.test_worklist import anna_takes_calls, raise_one
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from
from tests.twilio_requests import FakeTwilio

Setup = tuple[Client, FakeTwilio]


async def deactivate(sessions: async_sessionmaker[AsyncSession], username: str) -> None:
    """What an administrator's "deactivate" does to the account (there is no page for it yet)."""
    async with sessions.begin() as session:
        await session.execute(update(StaffUser).where(StaffUser.username == username).values(active=False))


async def open_sessions(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(StaffSession)) or 0)


async def test_a_deactivated_counsellors_next_page_goes_to_the_login(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, _ = app_client
    await log_in(client, "anna")
    assert (await client.get("/worklist")).status == 200
    await deactivate(sessions, "anna")

    page = await client.get("/worklist", allow_redirects=False)
    assert page.status == 303
    assert redirect_of(page.headers["Location"]) == ("/login", {"next": "/worklist", "expired": "1"})
    assert await open_sessions(sessions) == 0  # the login is gone on the server, not just refused
    again = await client.get("/counsellor", allow_redirects=False)
    assert again.status == 303 and redirect_of(again.headers["Location"])[1]["next"] == "/counsellor"
    start = await (await client.get("/")).text()
    assert 'action="/logout"' not in start  # the start page shows nobody logged in


async def test_a_deactivated_counsellors_api_requests_get_401_and_change_nothing(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    await log_in(client, "anna")
    headers = {"X-CSRF-Token": csrf_from(await (await client.get("/worklist")).text())}
    assert (await client.get("/api/concerns")).status == 200
    await deactivate(sessions, "anna")

    listed = await client.get("/api/concerns")
    assert listed.status == 401
    assert (await listed.json())["error"] == "session_expired"
    detail = await client.get(f"/api/concerns/{target.reference}")
    assert detail.status == 401 and "callback_number" not in await detail.text()
    claimed = await client.post(f"/api/concerns/{target.reference}/claim", headers=headers)
    assert claimed.status == 401
    async with sessions() as session:
        untouched = await session.get(Concern, target.id)
    assert untouched is not None and untouched.claimed_by is None


async def test_a_deactivated_counsellors_open_form_changes_nothing(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """The concern page was open when the account was switched off; its button is pressed after."""
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    await log_in(client, "anna")
    token = csrf_from(await (await client.get(f"/concerns/{target.reference}")).text())
    await deactivate(sessions, "anna")
    response = await client.post(
        f"/concerns/{target.reference}", data={"csrf_token": token, "action": "claim"}, allow_redirects=False
    )
    assert response.status == 303
    assert redirect_of(response.headers["Location"]) == (
        "/login",
        {"next": f"/concerns/{target.reference}", "expired": "1"},
    )
    async with sessions() as session:
        untouched = await session.get(Concern, target.id)
    assert untouched is not None and untouched.claimed_by is None


async def test_a_deactivated_account_cannot_log_in_again(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, _ = app_client
    await deactivate(sessions, "anna")
    assert await log_in(client, "anna") != 303
    assert (await client.get("/worklist", allow_redirects=False)).status == 303
    assert await open_sessions(sessions) == 0


async def test_a_deactivated_counsellors_phone_is_no_longer_rung_for_waiting_callers(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, caller = app_client
    await anna_takes_calls(sessions, clock)  # she was available when her account was switched off
    await deactivate(sessions, "anna")
    await caller.post("/twilio/voice/route?lang=de")
    await client.app[keys.DISPATCHER].drain()
    assert await client.app[keys.DISPATCHER].dispatch() == 0
    assert [r for r in fake_api.requests if r.path.endswith("/Calls.json")] == []
