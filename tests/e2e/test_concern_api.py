"""Claiming and closing through the JSON API: who may, what a conflict answers (409), and that
a refused request changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import ConcernEntry
from contacts.models import ContactEvent
from staff.accounts import create_user
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.e2e.test_worklist import anna_id, concern, raise_one
from tests.support import ManualClock, csrf_from
from tests.twilio_requests import FakeTwilio

Setup = tuple[Client, FakeTwilio]


async def as_user(client: Client, username: str) -> dict[str, str]:
    """Log `username` in (out of whoever was) and return the API's CSRF header."""
    page = await client.get("/")
    if 'action="/logout"' in await page.text():
        await client.post("/logout", data={"csrf_token": csrf_from(await page.text())})
    await log_in(client, username)
    return {"X-CSRF-Token": csrf_from(await (await client.get("/")).text())}


async def add_ben(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessions.begin() as session:
        await create_user(
            session, username="ben", password=PASSWORD, roles=["counsellor"], regions=["siegburg"], now=clock()
        )


async def history_kinds(sessions: async_sessionmaker[AsyncSession], concern_id: int) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(ConcernEntry.kind).where(ConcernEntry.concern_id == concern_id).order_by(ConcernEntry.id)
        )
        return list(rows)


async def event_kinds(sessions: async_sessionmaker[AsyncSession], reference: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(ContactEvent.kind).where(ContactEvent.reference == f"concern:{reference}").order_by(ContactEvent.id)
        )
        return list(rows)


async def test_claim_through_the_api_holds_the_concern_for_the_lease(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    headers = await as_user(client, "anna")
    response = await client.post(f"/api/concerns/{target.reference}/claim", headers=headers)
    assert response.status == 200
    body = await response.json()
    lease = clock() + dt.timedelta(minutes=15)
    assert (body["reference"], body["claimed"]) == (target.reference, True)
    assert dt.datetime.fromisoformat(body["claim_expires_at"]) == lease
    held = await concern(sessions, target.reference)
    assert (held.claimed_by, held.claim_expires_at) == (await anna_id(sessions), lease)

    clock.advance(minutes=10)  # claiming again renews her own lease
    again = await client.post(f"/api/concerns/{target.reference}/claim", headers=headers)
    assert again.status == 200
    assert dt.datetime.fromisoformat((await again.json())["claim_expires_at"]) == clock() + dt.timedelta(minutes=15)
    assert await history_kinds(sessions, target.id) == ["created", "claimed", "claimed"]


async def test_a_concern_claimed_by_a_colleague_answers_409_and_stays_theirs(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    await add_ben(sessions, clock)
    target = await raise_one(sessions, clock, 1)
    anna = await as_user(client, "anna")
    assert (await client.post(f"/api/concerns/{target.reference}/claim", headers=anna)).status == 200
    before = await concern(sessions, target.reference)

    ben = await as_user(client, "ben")
    claimed = await client.post(f"/api/concerns/{target.reference}/claim", headers=ben)
    closed = await client.post(f"/api/concerns/{target.reference}/close", json={"outcome": "settled"}, headers=ben)
    assert (claimed.status, closed.status) == (409, 409)
    for response in (claimed, closed):
        body = await response.json()
        assert body["error"] == "conflict"
        assert body["message"] == "Dieses Anliegen bearbeitet gerade eine Kollegin oder ein Kollege."
    after = await concern(sessions, target.reference)
    assert (after.status, after.claimed_by, after.claim_expires_at) == (
        "open",
        before.claimed_by,
        before.claim_expires_at,
    )
    assert await history_kinds(sessions, target.id) == ["created", "claimed"]

    clock.advance(minutes=16)  # Anna's lease ran out: Ben may take it over
    taken = await client.post(f"/api/concerns/{target.reference}/claim", headers=ben)
    assert taken.status == 200
    assert (await concern(sessions, target.reference)).claimed_by != before.claimed_by


async def test_closing_through_the_api_settles_once_and_a_second_close_is_409(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    headers = await as_user(client, "anna")
    await client.post(f"/api/concerns/{target.reference}/claim", headers=headers)
    clock.advance(minutes=5)
    closed = await client.post(
        f"/api/concerns/{target.reference}/close", json={"outcome": "appointment_made"}, headers=headers
    )
    assert closed.status == 200
    body = await closed.json()
    assert (body["status"], body["outcome"], body["claimed"]) == ("closed", "appointment_made", False)
    assert dt.datetime.fromisoformat(body["closed_at"]) == clock()

    clock.advance(minutes=1)
    again = await client.post(f"/api/concerns/{target.reference}/close", json={"outcome": "settled"}, headers=headers)
    claim = await client.post(f"/api/concerns/{target.reference}/claim", headers=headers)
    assert (again.status, claim.status) == (409, 409)
    for response in (again, claim):
        assert (await response.json())["message"] == "Dieses Anliegen ist bereits abgeschlossen."
    settled = await concern(sessions, target.reference)
    assert (settled.status, settled.outcome, settled.claimed_by) == ("closed", "appointment_made", None)
    assert settled.closed_at == clock() - dt.timedelta(minutes=1)
    assert await history_kinds(sessions, target.id) == ["created", "claimed", "closed"]
    assert await event_kinds(sessions, target.reference) == ["callback_requested", "concern_claimed", "concern_settled"]


async def test_closing_without_a_known_outcome_or_json_is_400_and_changes_nothing(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    headers = await as_user(client, "anna")
    await client.post(f"/api/concerns/{target.reference}/claim", headers=headers)
    path = f"/api/concerns/{target.reference}/close"
    unknown = await client.post(path, json={"outcome": "vanished"}, headers=headers)
    missing = await client.post(path, json={}, headers=headers)
    listed = await client.post(path, json=["settled"], headers=headers)
    garbage = await client.post(path, data=b"{not json", headers=headers | {"Content-Type": "application/json"})
    assert [r.status for r in (unknown, missing, listed, garbage)] == [400, 400, 400, 400]
    assert (await unknown.json())["field"] == "outcome" and (await garbage.json())["field"] == "body"
    assert (await concern(sessions, target.reference)).status == "open"
    assert await history_kinds(sessions, target.id) == ["created", "claimed"]


async def test_api_claim_and_close_need_the_csrf_token_and_the_counsellor_role(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    async with sessions.begin() as session:
        await create_user(
            session, username="dora", password=PASSWORD, roles=["desk"], regions=["siegburg"], now=clock()
        )
    await as_user(client, "anna")
    without_token = await client.post(f"/api/concerns/{target.reference}/claim")
    assert without_token.status == 403 and (await without_token.json())["error"] == "csrf_token_invalid"
    desk = await as_user(client, "dora")
    claimed = await client.post(f"/api/concerns/{target.reference}/claim", headers=desk)
    closed = await client.post(f"/api/concerns/{target.reference}/close", json={"outcome": "settled"}, headers=desk)
    assert (claimed.status, closed.status) == (403, 403)
    untouched = await concern(sessions, target.reference)
    assert (untouched.status, untouched.claimed_by) == ("open", None)


async def test_a_close_sent_twice_at_once_settles_once(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """A double click (or a client retrying): one close wins, the other is told it came too late."""
    client, _ = app_client
    headers = await as_user(client, "anna")
    for n in range(1, 6):
        target = await raise_one(sessions, clock, n)
        await client.post(f"/api/concerns/{target.reference}/claim", headers=headers)
        path = f"/api/concerns/{target.reference}/close"
        first, second = await asyncio.gather(
            client.post(path, json={"outcome": "settled"}, headers=headers),
            client.post(path, json={"outcome": "forwarded"}, headers=headers),
        )
        assert sorted([first.status, second.status]) == [200, 409]
        winner = "settled" if first.status == 200 else "forwarded"
        assert (await concern(sessions, target.reference)).outcome == winner
        assert await history_kinds(sessions, target.id) == ["created", "claimed", "closed"]
        async with sessions() as session:
            settled = await session.scalar(
                select(ContactEvent).where(
                    ContactEvent.kind == "concern_settled", ContactEvent.reference == f"concern:{target.reference}"
                )
            )
        assert settled is not None and settled.detail["outcome"] == winner


async def test_two_counsellors_claiming_at_once_one_wins(
    app_client: Setup,
    aiohttp_client: Callable[..., Awaitable[Client]],
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    client, _ = app_client
    await add_ben(sessions, clock)
    other = TestClient(client.server)  # Ben's browser: a cookie jar of its own, the same app
    await other.start_server()
    try:
        anna = await as_user(client, "anna")
        ben = await as_user(other, "ben")
        for n in range(1, 6):
            target = await raise_one(sessions, clock, n)
            path = f"/api/concerns/{target.reference}/claim"
            answers = await asyncio.gather(client.post(path, headers=anna), other.post(path, headers=ben))
            assert sorted(a.status for a in answers) == [200, 409]
            assert await history_kinds(sessions, target.id) == ["created", "claimed"]
    finally:
        await other.session.close()
