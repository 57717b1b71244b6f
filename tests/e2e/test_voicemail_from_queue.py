"""Leaving the queue for voicemail, end to end: waiting, key 2, the <Enqueue> action with
QueueResult=leave, the recording, the <Record> action, and Twilio's recording status callback
(delivered twice). The counsellor then finds one voicemail and plays it through our proxy."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import Concern, ConcernEntry
from callbacks.recording_news import RecordingNews
from contacts.models import ContactEvent
from service import keys
from telephony.inbound.models import Call
from tests.e2e.conftest import TWILIO_OPEN, Client, log_in
from tests.e2e.test_worklist import act
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock
from tests.twilio_requests import FakeTwilio, first, said, verbs

Setup = tuple[Client, FakeTwilio]


def recording_url(account: str, sid: str) -> str:
    return f"https://api.twilio.com/2010-04-01/Accounts/{account}/Recordings/{sid}"


def recording_status(twilio: FakeTwilio, sid: str, duration: str = "14") -> dict[str, str]:
    """Twilio's recording status callback, as it documents the fields."""
    return {
        "AccountSid": twilio.settings.webhook_account_sid,
        "CallSid": twilio.call_sid,
        "RecordingSid": sid,
        "RecordingUrl": recording_url(twilio.settings.webhook_account_sid, sid),
        "RecordingStatus": "completed",
        "RecordingDuration": duration,
        "RecordingChannels": "1",
        "RecordingSource": "RecordVerb",
        "RecordingStartTime": "Thu, 26 Nov 2026 09:30:50 +0000",
    }


async def leave_voicemail_from_the_queue(twilio: FakeTwilio, clock: ManualClock, recording: str) -> None:
    """A caller of Siegburg waits, presses 2, speaks and hangs up."""
    await twilio.post("/twilio/voice")
    _, queued = await twilio.post("/twilio/voice/language", Digits="1")
    assert first(queued, "Enqueue").get("action") == "/twilio/queue/done?lang=de"
    clock.advance(seconds=30)
    _, wait = await twilio.post("/twilio/queue/wait?lang=de", QueuePosition="2", QueueTime="30")
    assert first(wait, "Gather").get("action") == "/twilio/queue/key?lang=de"
    _, leave = await twilio.post("/twilio/queue/key?lang=de", Digits="2")
    assert verbs(leave) == ["Leave"]
    clock.advance(seconds=2)
    _, record = await twilio.post("/twilio/queue/done?lang=de", QueueResult="leave", QueueTime="32")
    recorder = first(record, "Record")
    assert recorder.get("action") == "/twilio/voicemail/done?lang=de"
    assert recorder.get("recordingStatusCallback") == "/twilio/recording"
    assert "Nachricht" in said(record)[0]  # the notice comes before the beep
    clock.advance(seconds=20)
    url = recording_url(twilio.settings.webhook_account_sid, recording)
    _, thanks = await twilio.post(
        "/twilio/voicemail/done?lang=de", RecordingSid=recording, RecordingUrl=url, RecordingDuration="14"
    )
    assert said(thanks)[0] == "Vielen Dank, Ihre Nachricht ist gespeichert. Wir melden uns bei Ihnen."
    assert verbs(thanks)[-1] == "Hangup"


async def voicemails(sessions: async_sessionmaker[AsyncSession]) -> list[Concern]:
    async with sessions() as session:
        return list(await session.scalars(select(Concern).where(Concern.channel == "voicemail")))


async def all_events(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str | None]]:
    async with sessions() as session:
        rows = await session.execute(select(ContactEvent.kind, ContactEvent.reference).order_by(ContactEvent.id))
        return [(kind, reference) for kind, reference in rows]


async def state(sessions: async_sessionmaker[AsyncSession], recording: str) -> dict[str, Any]:
    """What a recording callback may change: the voicemail, its history, the news kept, the log."""
    async with sessions() as session:
        found = await session.scalars(select(Concern).order_by(Concern.id))
        concerns = [
            {c: getattr(row, c) for c in ("id", "status", "recording_url", "recording_duration", "transcript")}
            for row in found
        ]
        entries = list(await session.scalars(select(ConcernEntry.kind).order_by(ConcernEntry.id)))
        news = await session.get(RecordingNews, recording)
        kept = (news.call_sid, news.url, news.duration_seconds, news.status, news.transcript) if news else None
    return {"concerns": concerns, "history": entries, "news": kept, "events": await all_events(sessions)}


async def test_leaving_the_queue_for_voicemail_makes_one_voicemail_with_its_steps_logged_in_order(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    recording = fake_api.add_recording(b"ID3-message")
    await leave_voicemail_from_the_queue(twilio, clock, recording)
    status, _ = await twilio.post_fields("/twilio/recording", recording_status(twilio, recording, "15"))
    assert status == 200
    clock.advance(seconds=3)
    await twilio.post("/twilio/status", CallStatus="completed", CallDuration="60")

    [voicemail] = await voicemails(sessions)
    assert (voicemail.region, voicemail.language, voicemail.status) == ("siegburg", "de", "open")
    assert voicemail.callback_number == twilio.caller and voicemail.call_sid == twilio.call_sid
    assert voicemail.recording_sid == recording and voicemail.recording_duration == 15  # the callback's figure
    assert voicemail.recording_url == recording_url(twilio.settings.webhook_account_sid, recording)
    assert voicemail.queued_at == TWILIO_OPEN  # a voicemail from the queue keeps the caller's turn
    async with sessions() as session:
        call = await session.get(Call, twilio.call_sid)
    assert call is not None
    assert (call.queue_choice, call.outcome, call.status) == ("voicemail", "voicemail", "completed")

    concern_ref = f"concern:{voicemail.reference}"
    assert await all_events(sessions) == [
        ("call_received", twilio.call_sid),
        ("language_chosen", twilio.call_sid),
        ("queued", twilio.call_sid),
        ("left_queue_for_voicemail", twilio.call_sid),
        ("voicemail_left", concern_ref),
        ("sms_sent", concern_ref),  # the reference, to the caller's mobile
        ("call_completed", twilio.call_sid),  # not an abandon: the caller chose to leave
    ]
    await client.app[keys.TEXTS].settled()
    [sms] = fake_api.messages.values()
    assert sms["to"] == twilio.caller and sms["from"] == twilio.to
    assert sms["body"] == (
        "Jobcenter, Geschäftsstelle Siegburg: Ihr Anliegen ist eingegangen. "
        f"Ihre Vorgangsnummer: {voicemail.reference}."
    )
    async with sessions() as session:
        left = await session.scalar(select(ContactEvent).where(ContactEvent.kind == "left_queue_for_voicemail"))
    assert left is not None and left.wait_seconds == 32

    await log_in(client, "anna")
    assert voicemail.reference in await (await client.get("/worklist?channel=voicemail")).text()
    audio = await client.get(f"/concerns/{voicemail.reference}/recording")
    assert audio.status == 200 and await audio.read() == b"ID3-message"


async def test_a_recording_callback_delivered_twice_changes_nothing_the_second_time(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    _, twilio = app_client
    recording = fake_api.add_recording(b"ID3")
    await leave_voicemail_from_the_queue(twilio, clock, recording)
    callback = recording_status(twilio, recording, "15")
    await twilio.post_fields("/twilio/recording", callback)
    once = await state(sessions, recording)
    clock.advance(minutes=5)  # Twilio's retry comes later
    status, _ = await twilio.post_fields("/twilio/recording", callback)
    assert status == 200
    assert await state(sessions, recording) == once
    assert len(once["concerns"]) == 1 and once["concerns"][0]["recording_duration"] == 15


async def test_a_recording_callback_delivered_twice_before_the_voicemail_exists_makes_one_voicemail(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    """The status callback may overtake the <Record> action (twice, with a retry)."""
    _, twilio = app_client
    recording = fake_api.add_recording(b"ID3")
    callback = recording_status(twilio, recording, "15")
    await twilio.post_fields("/twilio/recording", callback)
    await twilio.post_fields("/twilio/recording", callback)
    assert await voicemails(sessions) == []  # news kept, no concern without the caller's action
    await leave_voicemail_from_the_queue(twilio, clock, recording)
    [voicemail] = await voicemails(sessions)
    assert voicemail.recording_duration == 15
    once = await state(sessions, recording)
    await twilio.post_fields("/twilio/recording", callback)
    assert await state(sessions, recording) == once


async def erased_voicemail(
    client: Client, twilio: FakeTwilio, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, recording: str
) -> tuple[Concern, dict[str, str], dict[str, str]]:
    """A transcribed voicemail, settled, its recording deleted and personal data erased on
    schedule; returns it and the two callbacks Twilio sent about the recording."""
    await leave_voicemail_from_the_queue(twilio, clock, recording)
    callback = recording_status(twilio, recording, "15")
    transcription = {
        "AccountSid": twilio.settings.webhook_account_sid,
        "CallSid": twilio.call_sid,
        "RecordingSid": recording,
        "TranscriptionSid": "TR" + recording[2:],
        "TranscriptionStatus": "completed",
        "TranscriptionText": "Hier ist Erika Mustermann, bitte rufen Sie mich an.",
    }
    await twilio.post_fields("/twilio/recording", callback)
    await twilio.post_fields("/twilio/recording/transcription", transcription)
    [voicemail] = await voicemails(sessions)
    assert voicemail.transcript == transcription["TranscriptionText"]
    await log_in(client, "anna")
    await act(client, voicemail.reference, "claim")
    await act(client, voicemail.reference, "close", outcome="settled")
    clock.advance(days=31)
    run = await client.app[keys.RETENTION].run()
    assert (run.counts["recordings_deleted"], run.counts["concerns_erased"]) == (1, 1)
    return voicemail, callback, transcription


async def test_a_replayed_recording_callback_does_not_bring_back_erased_data(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    """Twilio's signatures carry no time: a callback replayed (or retried very late) after the
    retention jobs ran must not restore the recording's URL or the transcript."""
    client, twilio = app_client
    voicemail, callback, transcription = await erased_voicemail(
        client, twilio, sessions, clock, fake_api.add_recording(b"ID3")
    )
    for path, fields in (("/twilio/recording", callback), ("/twilio/recording/transcription", transcription)):
        status, _ = await twilio.post_fields(path, fields)
        assert status == 200
    async with sessions() as session:
        erased = await session.get(Concern, voicemail.id)
    assert erased is not None and erased.recording_deleted_at is not None
    assert (erased.recording_url, erased.transcript, erased.callback_number) == (None, None, None)


async def test_no_table_keeps_a_voicemails_transcript_after_the_retention_period(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    recording = fake_api.add_recording(b"ID3")
    await erased_voicemail(client, twilio, sessions, clock, recording)
    async with sessions() as session:
        news = await session.get(RecordingNews, recording)
    assert news is None or (news.transcript, news.url) == (None, None)


async def test_recording_callbacks_at_once_are_all_answered_and_nothing_they_say_is_lost(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    """The status callback twice (a retry) and the transcription, all at the same moment."""
    _, twilio = app_client
    for n in range(4):
        call = FakeTwilio(twilio.client, twilio.settings, caller=f"+49176300000{n:02d}")
        recording = fake_api.add_recording(b"ID3")
        callback = recording_status(call, recording, "15")
        transcription = {"RecordingSid": recording, "TranscriptionStatus": "completed", "TranscriptionText": "Hallo"}
        answers = await asyncio.gather(
            call.post_fields("/twilio/recording", callback),
            call.post_fields("/twilio/recording", callback),
            call.post_fields("/twilio/recording/transcription", transcription),
        )
        assert [status for status, _ in answers] == [200, 200, 200]
        async with sessions() as session:
            news = await session.get(RecordingNews, recording)
        assert news is not None
        assert (news.duration_seconds, news.call_sid, news.transcript) == (15, call.call_sid, "Hallo")
