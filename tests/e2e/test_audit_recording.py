"""Staff actions on the web land in the audit trail: who, what, on which object, from which
address; actions that did not happen, webhooks and the customers' pages do not."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from audit.models import AuditEntry
from audit.verify import verify_chain
from service import keys
from tests.e2e.conftest import Client, log_in
from tests.e2e.test_counselling_staff import page as counselling_page
from tests.e2e.test_counselling_staff import publish, slots_of
from tests.e2e.test_worklist import Setup, act, anna_takes_calls, raise_one, ring_anna
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from

LOOPBACK = "127.0.0.1"  # the test client's address, as the app sees it in request.remote
Entry = tuple[str, str, str | None, str | None]  # actor, action, object type, object id


async def trail(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessions() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        assert (await verify_chain(session)).intact
    return entries


def what(entries: list[AuditEntry], *, but: tuple[str, ...] = ()) -> list[Entry]:
    return [(e.actor, e.action, e.object_type, e.object_id) for e in entries if e.action not in but]


async def test_signing_in_failing_to_and_signing_out_are_recorded_with_the_address(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await log_in(client, "Anna", password="wrong password here") == 401
    assert await log_in(client, "nobody", password="wrong password here") == 401
    assert await log_in(client, "anna") == 303
    token = csrf_from(await (await client.get("/profil")).text())
    assert (await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)).status == 303
    entries = await trail(sessions)
    assert what(entries) == [
        ("anna", "sign_in_failed", "user", "anna"),
        ("nobody", "sign_in_failed", "user", "nobody"),
        ("anna", "signed_in", "user", "anna"),
        ("anna", "signed_out", None, None),
    ]
    assert [e.detail for e in entries] == [{"result": "wrong_credentials"}] * 2 + [{"result": "ok"}, {}]
    assert {e.address for e in entries} == {LOOPBACK}


async def test_a_counsellor_s_work_on_a_concern_is_recorded_and_what_failed_is_not(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    recording = fake_api.add_recording(b"ID3-audio")
    target = await raise_one(sessions, clock, 1, channel="voicemail", recording_sid=recording, recording_duration=9)
    ref = target.reference
    await anna_takes_calls(sessions, clock)
    await log_in(client, "anna")
    assert (await client.get(f"/concerns/{ref}/recording")).status == 200
    await act(client, ref, "claim")
    await ring_anna(client, twilio, sessions, ref)
    assert (await act(client, ref, "close", outcome="settled"))[0] == 200
    assert (await act(client, ref, "close", outcome="settled"))[0] == 409  # already closed: nothing done
    assert (await client.get(f"/concerns/{ref}/call-state")).status == 200  # polling: not an action
    await twilio.post("/twilio/voice/route?lang=de")  # a webhook: no staff action

    entries = await trail(sessions)
    assert what(entries, but=("signed_in", "viewed_concern")) == [
        ("anna", "played_voicemail", "voicemail", ref),
        ("anna", "claimed", "concern", ref),
        ("anna", "called", "concern", ref),
        ("anna", "closed", "concern", ref),
    ]
    closed = next(e for e in entries if e.action == "closed")
    assert closed.detail == {"outcome": "settled"} and closed.address == LOOPBACK
    # each page of the concern asked for (before each action and after each that took place)
    assert what(entries).count(("anna", "viewed_concern", "concern", ref)) == 7


async def test_worklist_counselling_and_exports_are_recorded(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    target = await raise_one(sessions, clock, 1)
    await log_in(client, "anna")
    token = csrf_from(await (await client.get("/worklist")).text())
    assert (await client.post("/worklist/next", data={"csrf_token": token}, allow_redirects=False)).status == 303
    assert (await publish(client))[0] == 200
    [slot] = await slots_of(sessions)
    token = csrf_from(await counselling_page(client))
    await client.post(f"/beratung/termine/{slot.id}/zurueckziehen", data={"csrf_token": token})
    assert (await publish(client, time="09:00"))[0] == 409  # outside the hours without a reason: refused
    await log_in(client, "paul")
    export = await client.get("/planning/export/key-figures.csv?region=siegburg&from=2026-11-26&to=2026-11-26")
    assert export.status == 200

    entries = await trail(sessions)
    assert what(entries).count(("anna", "viewed_bookings", None, None)) == 5  # each counselling page asked for
    assert what(entries, but=("signed_in", "viewed_bookings")) == [
        ("anna", "viewed_concern_list", None, None),
        ("anna", "claimed", "concern", target.reference),
        ("anna", "published_slot", "slot", None),
        ("anna", "withdrew_slot", "slot", str(slot.id)),
        ("paul", "exported", "export", "planning-export:key-figures.csv"),
    ]
    by_action: dict[str, dict[str, Any]] = {e.action: e.detail for e in entries}
    assert by_action["viewed_concern_list"] == {"page": "worklist"}
    assert by_action["claimed"] == {"via": "worklist_next"}
    assert by_action["published_slot"] == {
        "region": "siegburg",
        "date": "2026-11-30",
        "time": "16:00",
        "minutes": "30",
        "kind": "either",
    }
    assert by_action["exported"] == {"query": {"region": "siegburg", "from": "2026-11-26", "to": "2026-11-26"}}


# SQLite only: the test takes the trail's table away, which other tests on the shared PostgreSQL need.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_while_the_trail_cannot_be_written_pages_are_shown_and_recorded_late(
    client: Client,
    staff: None,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    engine: AsyncEngine,
) -> None:
    target = await raise_one(sessions, clock, 1)
    await log_in(client, "anna")
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE audit_trail RENAME TO audit_trail_away"))
    assert (await client.get(f"/concerns/{target.reference}")).status == 200
    recorder = client.app[keys.AUDIT_RECORDER]
    assert recorder.pending == 1
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE audit_trail_away RENAME TO audit_trail"))
    await recorder.settled()
    assert (recorder.written_late, recorder.lost) == (1, 0)
    assert what(await trail(sessions))[-1] == ("anna", "viewed_concern", "concern", target.reference)
