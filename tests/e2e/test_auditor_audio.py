"""The grant `auditor_audio`: an auditor who holds it hears the voicemails of every region, from
the contact's timeline, and each play is in the audit trail; a plain auditor hears none."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.models import AuditEntry
from callbacks.models import Concern
from staff.accounts import create_user
from tests.e2e.conftest import PASSWORD, log_in
from tests.e2e.test_worklist import Setup, raise_one
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from

NO_AUDIO = "Sprachnachrichten hören nur Prüferinnen und Prüfer mit der Freigabe"


async def auditors(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessions.begin() as session:
        await create_user(session, username="ines", password=PASSWORD, roles=["auditor"], now=clock())
        await create_user(session, username="aurel", password=PASSWORD, roles=["auditor", "auditor_audio"], now=clock())


async def test_only_an_auditor_granted_audio_hears_a_voicemail_of_any_region_and_it_is_recorded(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    recording = fake_api.add_recording(b"ID3-audio")
    voicemail = await raise_one(
        sessions, clock, 1, region="troisdorf", channel="voicemail", recording_sid=recording, recording_duration=9
    )
    ref = voicemail.reference
    audio_url = f"/concerns/{ref}/recording"
    await auditors(sessions, clock)

    await log_in(client, "ines")
    page = await (await client.get(f"/audit/contacts/concern:{ref}")).text()
    assert audio_url not in page and NO_AUDIO in page
    assert (await client.get(audio_url)).status == 403

    assert (await client.post("/logout", data={"csrf_token": csrf_from(page)}, allow_redirects=False)).status == 303
    await log_in(client, "aurel")
    page = await (await client.get(f"/audit/contacts/concern:{ref}")).text()
    assert audio_url in page and NO_AUDIO not in page
    played = await client.get(audio_url)
    assert played.status == 200 and await played.read() == b"ID3-audio"
    assert played.headers["Cache-Control"] == "no-store"

    async with sessions() as session:
        trail = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    assert [(e.actor, e.object_type, e.object_id) for e in trail if e.action == "played_voicemail"] == [
        ("aurel", "voicemail", ref)
    ]

    # Once the recording is deleted (retention), there is nothing to hear and no player shown.
    async with sessions.begin() as session:
        await session.execute(update(Concern).where(Concern.reference == ref).values(recording_deleted_at=clock()))
    page = await (await client.get(f"/audit/contacts/concern:{ref}")).text()
    assert audio_url not in page and "keine Aufnahme (mehr) vorhanden" in page
    assert (await client.get(audio_url)).status == 404
