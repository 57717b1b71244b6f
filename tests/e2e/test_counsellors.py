"""Counsellors take queued callers: availability, the ring through Twilio's REST API (a fake on
loopback), the bridge, missed rings. The staff line has its own tests (test_staff_line.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts.models import ContactEvent
from service import keys
from telephony.counsellors.models import CounsellorPresence
from telephony.inbound.models import Call
from tests.e2e.conftest import TWILIO_OPEN, Client, log_in
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from
from tests.twilio_requests import FakeTwilio, first, said

OPEN = TWILIO_OPEN


async def become_available(client: Client, phone: str = "0171 2345678") -> int:
    await log_in(client, "anna")
    page = await client.get("/counsellor")
    response = await client.post(
        "/counsellor",
        data={"csrf_token": csrf_from(await page.text()), "action": "available", "phone": phone, "region": "siegburg"},
        allow_redirects=False,
    )
    await client.app[keys.DISPATCHER].drain()
    return response.status


async def presence(sessions: async_sessionmaker[AsyncSession]) -> CounsellorPresence:
    async with sessions() as session:
        found = await session.scalar(select(CounsellorPresence))
    assert found is not None
    return found


async def test_a_waiting_caller_rings_the_available_counsellor_who_is_bridged(
    app_client: tuple[Client, FakeTwilio],
    fake_api: FakeTwilioApi,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    client, caller = app_client
    assert await become_available(client) == 303
    assert fake_api.requests == []  # nobody waits yet: nobody is rung

    await caller.post("/twilio/voice/route?lang=de")
    await client.app[keys.DISPATCHER].drain()
    [ring] = [r for r in fake_api.requests if r.path.endswith("/Calls.json")]
    anna = await presence(sessions)
    assert ring.form["To"] == "+491712345678" and ring.form["From"] == "+4922419000100"
    assert ring.form["Url"] == f"http://127.0.0.1:8080/twilio/counsellor/connect?region=siegburg&user={anna.user_id}"
    assert ring.form["StatusCallback"] == f"http://127.0.0.1:8080/twilio/counsellor/status?user={anna.user_id}"
    assert anna.busy_call_sid is not None and anna.busy_call_sid.startswith("CA")

    counsellor = FakeTwilio(
        client, caller.settings, to="+491712345678", caller="+4922419000100", call_sid=anna.busy_call_sid
    )
    _, bridge = await counsellor.post(f"/twilio/counsellor/connect?region=siegburg&user={anna.user_id}")
    queue = first(bridge, "Queue")
    assert queue.text == "siegburg" and queue.get("url") == "/twilio/queue/answered"
    assert said(bridge) == ["Anruf aus der Warteschlange Geschäftsstelle Siegburg. Sie werden jetzt verbunden."]

    clock.advance(seconds=42)
    await caller.post("/twilio/queue/answered", QueueTime="42", DequeingCallSid=anna.busy_call_sid)
    await counsellor.post(f"/twilio/counsellor/status?user={anna.user_id}", CallStatus="completed", CallDuration="300")
    async with sessions() as session:
        answered = await session.scalar(select(ContactEvent).where(ContactEvent.kind == "answered"))
        call = await session.get(Call, caller.call_sid)
    assert answered is not None and answered.wait_seconds == 42
    assert call is not None and call.answered_at == OPEN + dt.timedelta(seconds=42)
    freed = await presence(sessions)
    assert freed.busy_call_sid is None and freed.available and freed.misses == 0


async def test_a_counsellor_who_misses_three_rings_is_set_unavailable(
    app_client: tuple[Client, FakeTwilio], fake_api: FakeTwilioApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, caller = app_client
    await become_available(client)
    await caller.post("/twilio/voice/route?lang=de")
    await client.app[keys.DISPATCHER].drain()  # the caller's arrival rang her already
    for attempt in range(3):
        await client.app[keys.DISPATCHER].dispatch()
        anna = await presence(sessions)
        assert anna.busy_call_sid is not None, f"not rung on attempt {attempt + 1}"
        ring = FakeTwilio(client, caller.settings, to="+491712345678", call_sid=anna.busy_call_sid)
        await ring.post(f"/twilio/counsellor/status?user={anna.user_id}", CallStatus="no-answer")
        await client.app[keys.DISPATCHER].drain()
    anna = await presence(sessions)
    assert (anna.available, anna.misses) == (False, 3)
    assert len([r for r in fake_api.requests if r.path.endswith("/Calls.json")]) == 3
    page = await (await client.get("/counsellor")).text()
    assert "Nach mehreren nicht angenommenen Anrufen automatisch abgemeldet." in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "available", "phone": "12", "region": "siegburg"}, "Bitte eine gültige Telefonnummer angeben"),
        ({"action": "available", "phone": "0171 2345678"}, "Bitte mindestens eine Region wählen."),
        ({"action": "available", "phone": "0171 2345678", "region": "eitorf"}, "Bitte mindestens eine Region wählen."),
        ({"action": "add_phone", "staff_line_phone": "12"}, "Bitte eine gültige Telefonnummer angeben"),
        ({"action": "chosen_pin", "pin": "4711"}, "Unbekannte Aktion."),
    ],
)
async def test_the_availability_form_refuses_bad_input_with_the_reason(
    app_client: tuple[Client, FakeTwilio], fields: dict[str, str], message: str
) -> None:
    client, _ = app_client
    await log_in(client, "anna")
    page = await client.get("/counsellor")
    response = await client.post("/counsellor", data=fields | {"csrf_token": csrf_from(await page.text())})
    assert response.status == 400
    assert message in await response.text()
