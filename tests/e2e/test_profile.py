"""Every staff member's profile: the phone the service rings for them, set once, validated, and
the one phone for calling customers back and for queue calls alike."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff.profile import INVALID_PHONE, phone_of
from telephony.counsellors.availability import presence_of
from tests.e2e.conftest import Client, log_in
from tests.e2e.test_worklist import CUSTOMER, Setup, act, anna_id, raise_one
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from


async def save_phone(client: Client, typed: str) -> tuple[int, str]:
    page = await client.get("/profil")
    response = await client.post("/profil", data={"csrf_token": csrf_from(await page.text()), "phone": typed})
    return response.status, await response.text()


async def test_a_counsellor_sets_her_phone_once_in_any_usual_notation(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, _ = app_client
    await log_in(client, "anna")
    assert "keine hinterlegt" in await (await client.get("/profil")).text()
    status, page = await save_phone(client, "0171 / 222 33 34")
    assert status == 200 and "Ihre Telefonnummer ist gespeichert." in page
    assert '<a href="tel:+49-171-2223334">0171 2223334</a>' in page
    async with sessions() as session:
        assert await phone_of(session, await anna_id(sessions)) == "+491712223334"

    status, page = await save_phone(client, "12")
    assert status == 400 and INVALID_PHONE in page and 'value="12"' in page
    status, page = await save_phone(client, "")
    assert status == 200 and "Ihre Telefonnummer ist entfernt." in page
    async with sessions() as session:
        assert await phone_of(session, await anna_id(sessions)) is None


async def test_call_now_rings_the_profiles_phone_without_taking_queue_calls(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1, callback_number=CUSTOMER)
    await log_in(client, "anna")
    await save_phone(client, "0171 2223334")
    await act(client, target.reference, "claim")
    status, _ = await act(client, target.reference, "call")
    assert status == 200
    [ring] = [r for r in fake_api.requests if r.path.endswith("/Calls.json")]
    assert ring.form["To"] == "+491712223334"
    async with sessions() as session:
        presence = await presence_of(session, await anna_id(sessions))
    assert presence is None or not presence.available  # never made available for queue calls


async def test_the_counsellor_pages_number_is_the_profiles(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, _ = app_client
    await log_in(client, "anna")
    await save_phone(client, "0171 2223334")
    page = await (await client.get("/counsellor")).text()
    assert 'value="+491712223334"' in page  # the field starts from the profile's number
    response = await client.post(
        "/counsellor",
        data={"csrf_token": csrf_from(page), "action": "available", "phone": "02241 9000 123", "region": "siegburg"},
    )
    assert response.status == 200
    async with sessions() as session:
        assert await phone_of(session, await anna_id(sessions)) == "+4922419000123"
    assert "02241 9000123" in await (await client.get("/profil")).text()
