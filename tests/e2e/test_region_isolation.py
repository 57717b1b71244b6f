"""A counsellor serves the regions of their account and no other: another region's concern
cannot be opened, claimed, called, closed or played, not through the pages, "take next", the
JSON API or the voicemail proxy. Each refusal is a 403 (or 404) and changes nothing.

Anna counsels in Siegburg. The Eitorf concern below is held by her (as if she had worked in
Eitorf until her regions changed), so every action would succeed but for the region check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import CallbackAttempt, Concern, ConcernEntry
from contacts.models import ContactEvent
from service import keys
from staff.accounts import create_user
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.e2e.test_worklist import act, anna_id, anna_takes_calls, concern, raise_one
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from
from tests.twilio_requests import FakeTwilio

Setup = tuple[Client, FakeTwilio]


async def eitorf_voicemail_held_by_anna(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> Concern:
    recording = fake_api.add_recording(b"ID3-eitorf")
    target = await raise_one(
        sessions,
        clock,
        7,
        region="eitorf",
        channel="voicemail",
        recording_sid=recording,
        recording_duration=12,
        recording_url=f"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/{recording}",
    )
    anna = await anna_id(sessions)
    async with sessions.begin() as session:
        stored = await session.get(Concern, target.id)
        assert stored is not None
        stored.claimed_by = anna
        stored.claim_expires_at = clock() + dt.timedelta(minutes=15)
    return target


async def snapshot(sessions: async_sessionmaker[AsyncSession], reference: str) -> dict[str, Any]:
    """Everything an action on the concern could change."""
    async with sessions() as session:
        found = await session.scalar(select(Concern).where(Concern.reference == reference))
        assert found is not None
        entries = await session.scalar(
            select(func.count()).select_from(ConcernEntry).where(ConcernEntry.concern_id == found.id)
        )
        attempts = await session.scalar(select(func.count()).select_from(CallbackAttempt))
        events = list(await session.scalars(select(ContactEvent.kind).order_by(ContactEvent.id)))
    columns = ("status", "claimed_by", "claim_expires_at", "attempts", "outcome", "closed_at", "next_attempt_at")
    return {name: getattr(found, name) for name in columns} | {
        "history": entries,
        "attempts_made": attempts,
        "events": events,
    }


async def token(client: Client) -> str:
    """A valid CSRF token from a page Anna may open: the refusals below are not about CSRF."""
    return csrf_from(await (await client.get("/worklist")).text())


async def test_another_regions_concern_page_is_refused(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    target = await eitorf_voicemail_held_by_anna(sessions, clock, fake_api)
    await log_in(client, "anna")
    page = await client.get(f"/concerns/{target.reference}")
    assert page.status == 403
    text = await page.text()
    assert target.callback_number is not None and target.callback_number not in text
    assert "Kein Zugriff" in text
    listed = await (await client.get("/worklist?region=eitorf")).text()
    assert target.reference not in listed


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("claim", {}),
        ("release", {}),
        ("call", {}),
        ("close", {"outcome": "settled"}),
    ],
)
async def test_another_regions_concern_cannot_be_claimed_called_or_closed_on_its_page(
    app_client: Setup,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    fake_api: FakeTwilioApi,
    action: str,
    fields: dict[str, str],
) -> None:
    client, _ = app_client
    target = await eitorf_voicemail_held_by_anna(sessions, clock, fake_api)
    await anna_takes_calls(sessions, clock)  # a "call" would ring her phone if it were let through
    await log_in(client, "anna")
    before = await snapshot(sessions, target.reference)
    response = await client.post(
        f"/concerns/{target.reference}",
        data={"csrf_token": await token(client), "action": action} | fields,
        allow_redirects=False,
    )
    assert response.status == 403
    assert await snapshot(sessions, target.reference) == before
    assert fake_api.requests == []


async def test_another_regions_voicemail_is_not_played(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    target = await eitorf_voicemail_held_by_anna(sessions, clock, fake_api)
    await log_in(client, "anna")
    audio = await client.get(f"/concerns/{target.reference}/recording")
    assert audio.status == 403
    assert b"ID3-eitorf" not in await audio.read()
    assert fake_api.requests == []  # not even fetched from Twilio


async def test_take_next_never_hands_out_another_regions_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    waiting = await raise_one(sessions, clock, 8, region="eitorf")
    await log_in(client, "anna")
    for region in ("eitorf", "", "siegburg"):
        taken = await client.post(
            "/worklist/next", data={"csrf_token": await token(client), "region": region}, allow_redirects=False
        )
        assert (taken.status, taken.headers["Location"]) == (303, "/worklist?empty=1")
    assert (await concern(sessions, waiting.reference)).claimed_by is None

    async with sessions.begin() as session:  # a counsellor of Eitorf gets it: it was free all along
        await create_user(
            session, username="erik", password=PASSWORD, roles=["counsellor"], regions=["eitorf"], now=clock()
        )
    await client.post("/logout", data={"csrf_token": await token(client)})
    await log_in(client, "erik")
    taken = await client.post("/worklist/next", data={"csrf_token": await token(client)}, allow_redirects=False)
    assert taken.headers["Location"] == f"/concerns/{waiting.reference}"


async def test_the_api_refuses_another_regions_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    target = await eitorf_voicemail_held_by_anna(sessions, clock, fake_api)
    await log_in(client, "anna")
    headers = {"X-CSRF-Token": await token(client)}
    before = await snapshot(sessions, target.reference)

    detail = await client.get(f"/api/concerns/{target.reference}")
    assert detail.status == 403
    body = await detail.json()
    assert body["error"] == "forbidden" and "callback_number" not in body
    claimed = await client.post(f"/api/concerns/{target.reference}/claim", headers=headers)
    closed = await client.post(f"/api/concerns/{target.reference}/close", json={"outcome": "settled"}, headers=headers)
    assert (claimed.status, closed.status) == (403, 403)
    listed = await (await client.get("/api/concerns?region=eitorf")).json()
    assert target.reference not in [c["reference"] for c in listed["concerns"]]
    assert await snapshot(sessions, target.reference) == before


async def test_an_unknown_reference_is_not_found_everywhere(app_client: Setup) -> None:
    client, _ = app_client
    await log_in(client, "anna")
    headers = {"X-CSRF-Token": await token(client)}
    responses = [
        await client.get("/concerns/XXXX-XXXX"),
        await client.get("/concerns/XXXX-XXXX/recording"),
        await client.post("/concerns/XXXX-XXXX", data={"csrf_token": headers["X-CSRF-Token"], "action": "claim"}),
        await client.get("/api/concerns/XXXX-XXXX"),
        await client.post("/api/concerns/XXXX-XXXX/claim", headers=headers),
        await client.post("/api/concerns/XXXX-XXXX/close", json={"outcome": "settled"}, headers=headers),
    ]
    assert [r.status for r in responses] == [404] * 6


async def test_her_own_regions_concern_opens_for_comparison(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """The same requests on a Siegburg concern succeed: the refusals above are about the region."""
    client, _ = app_client
    own = await raise_one(sessions, clock, 9)
    await log_in(client, "anna")
    assert (await client.get(f"/concerns/{own.reference}")).status == 200
    assert (await client.get(f"/api/concerns/{own.reference}")).status == 200
    status, _ = await act(client, own.reference, "claim")
    assert status == 200


@pytest.mark.usefixtures("staff")
async def test_the_outbox_shows_a_counsellor_only_what_went_out_for_her_regions(client: Client) -> None:
    """Without Twilio the outbox is the service's own; texts go out from their region's number."""
    dialer = client.app[keys.CONCERN_JOBS].dialer()
    await dialer.text(region_id="siegburg", to="+4915111111111", body="Rückruf aus Siegburg")
    await dialer.text(region_id="eitorf", to="+4915122222222", body="Rückruf aus Eitorf")
    await log_in(client, "anna")
    html = await (await client.get("/outbox")).text()
    assert "Rückruf aus Siegburg" in html and "+4915111111111" in html
    assert "Eitorf" not in html and "+4915122222222" not in html
    await client.post("/logout", data={"csrf_token": csrf_from(html)})
    await log_in(client, "root")  # an administrator sees every region's
    everything = await (await client.get("/outbox")).text()
    assert "Rückruf aus Siegburg" in everything and "Rückruf aus Eitorf" in everything
