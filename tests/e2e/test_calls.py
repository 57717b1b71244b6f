"""Calls on the regional hotlines, webhook by webhook, against the real app and database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import Concern
from contacts.models import ContactEvent
from service.app import Overrides, create_app
from storage.engine import create_engine
from tests.e2e.conftest import Client
from tests.support import ManualClock, make_settings
from tests.twilio_requests import FakeTwilio, first, new_sid, said, verbs

# Thursday 26 November 2026, 10:30 in Siegburg: every hotline of the example is open.
OPEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
# Saturday 28 November 2026, 10:30: closed; Siegburg has counselling hours from 09:00.
SATURDAY = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
EITORF = "+4922439000400"


@pytest.fixture
def twilio(client: Client, database_url: str, tmp_path: Path) -> FakeTwilio:
    return FakeTwilio(client, make_settings(tmp_path, database_url))


async def kinds(sessions: async_sessionmaker[AsyncSession], call_sid: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(ContactEvent.kind).where(ContactEvent.reference == call_sid).order_by(ContactEvent.id)
        )
        return list(rows)


async def concerns(sessions: async_sessionmaker[AsyncSession]) -> list[Concern]:
    async with sessions() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


async def test_forged_or_missing_signature_is_refused_without_side_effects(
    twilio: FakeTwilio, client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    fields = {"CallSid": twilio.call_sid, "From": twilio.caller, "To": twilio.to}
    missing = await client.post("/twilio/voice", data=fields)
    forged = await client.post("/twilio/voice", data=fields, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    tampered = await client.post(
        "/twilio/voice",
        data=fields | {"To": EITORF},
        headers={"X-Twilio-Signature": twilio.sign("/twilio/voice", fields)},
    )
    assert [missing.status, forged.status, tampered.status] == [403, 403, 403]
    assert await kinds(sessions, twilio.call_sid) == []


async def test_signature_is_checked_against_the_public_url_not_the_internal_host(
    twilio: FakeTwilio, client: Client
) -> None:
    fields = {"CallSid": twilio.call_sid, "From": twilio.caller, "To": twilio.to}
    internal = RequestValidatorUrl(str(client.make_url("/twilio/voice")), twilio.settings.webhook_auth_token)
    response = await client.post("/twilio/voice", data=fields, headers={"X-Twilio-Signature": internal.sign(fields)})
    assert response.status == 403


class RequestValidatorUrl:
    def __init__(self, url: str, token: str) -> None:
        from twilio.request_validator import RequestValidator

        self.url, self.validator = url, RequestValidator(token)

    def sign(self, fields: dict[str, str]) -> str:
        return self.validator.compute_signature(self.url, fields)


async def test_open_line_offers_languages_then_queues_with_the_privacy_notice_once(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = OPEN
    status, menu = await twilio.post("/twilio/voice", CallStatus="ringing")
    assert status == 200
    gather = first(menu, "Gather")
    assert gather.get("numDigits") == "1" and gather.get("action") == "/twilio/voice/language"
    spoken = said(menu)
    assert spoken[0] == "Herzlich willkommen beim Jobcenter, Geschäftsstelle Siegburg."
    assert spoken[1:3] == ["Für Deutsch drücken Sie die 1.", "For English, press 2."]
    assert len(spoken) == 7  # welcome and six languages, each in its own voice
    assert [s.get("language") for s in menu.iter("Say")][1:] == ["de-DE", "en-GB", "tr-TR", "arb", "uk-UA", "ru-RU"]
    assert verbs(menu)[-1] == "Redirect"  # no key: German, never silence

    _, queued = await twilio.post("/twilio/voice/language", Digits="2")
    assert said(queued) == [
        "A note on data protection: we use your phone number only to deal with your concern. Calls are not recorded."
    ]
    enqueue = first(queued, "Enqueue")
    assert enqueue.text == "siegburg"
    assert enqueue.get("waitUrl") == "/twilio/queue/wait?lang=en"
    _, again = await twilio.post("/twilio/voice/route?lang=en")  # Twilio retried the redirect
    assert said(again) == []
    assert await kinds(sessions, twilio.call_sid) == ["call_received", "language_chosen", "queued"]


async def test_waiting_caller_hears_position_and_estimate_and_may_leave_for_a_callback(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = OPEN
    await twilio.post("/twilio/voice")
    await twilio.post("/twilio/voice/language", Digits="1")
    queued_at = clock.now
    clock.advance(seconds=40)
    _, wait = await twilio.post(
        "/twilio/queue/wait?lang=de", QueuePosition="3", QueueTime="40", AvgQueueTime="100", CurrentQueueSize="4"
    )
    assert said(wait)[:2] == [
        "Sie sind an Position 3 in der Warteschlange.",
        "Die voraussichtliche Wartezeit beträgt etwa 4 Minuten.",  # (100 - 40) + 2 × 100 s
    ]
    assert first(wait, "Gather").get("action") == "/twilio/queue/key?lang=de"
    assert first(wait, "Pause").get("length") == "20"  # silence, as the example configures

    _, leave = await twilio.post("/twilio/queue/key?lang=de", Digits="1")
    assert verbs(leave) == ["Leave"]
    clock.advance(seconds=5)
    _, confirm = await twilio.post("/twilio/queue/done?lang=de", QueueResult="leave", QueueTime="45")
    assert said(confirm) == [
        "Zum Datenschutz: Wir speichern Ihre Rufnummer nur für den Rückruf und löschen sie 30 Tage nach "
        "Erledigung Ihres Anliegens.",
        "Wir rufen Sie unter der Nummer 0176 1234 5678 zurück. Zum Bestätigen drücken Sie die 1. "
        "Für eine andere Nummer drücken Sie die 2.",
    ]
    _, done = await twilio.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1")
    [concern] = await concerns(sessions)
    # Thursday 10:30 plus 48 working hours runs out Monday 10:30, in the window that ends at 12:00
    assert said(done)[0] == (
        "Vielen Dank, Ihr Rückrufwunsch ist eingegangen. Wir rufen Sie bis Montag, den 30. November, 12 Uhr zurück."
    )
    assert said(done)[1] == f"Ihre Vorgangsnummer lautet {concern.reference.replace('-', ' ')}."
    assert verbs(done)[-1] == "Hangup"
    assert concern.channel == "phone_callback" and concern.callback_number == "+4917612345678"
    assert concern.queued_at == queued_at  # the callback keeps the caller's turn
    assert concern.region == "siegburg" and concern.language == "de"
    assert await kinds(sessions, twilio.call_sid) == [
        "call_received",
        "language_chosen",
        "queued",
        "left_queue_for_callback",
    ]


async def test_after_the_longest_wait_the_caller_is_taken_out_and_offered_callback_or_voicemail(
    twilio: FakeTwilio, clock: ManualClock
) -> None:
    clock.now = OPEN
    twilio.to = EITORF  # max_queue_wait 3 minutes
    await twilio.post("/twilio/voice/route?lang=de")
    _, wait = await twilio.post("/twilio/queue/wait?lang=de", QueuePosition="1", QueueTime="180")
    assert said(wait) == ["Leider dauert es gerade länger als üblich."]
    assert verbs(wait) == ["Say", "Leave"]
    _, menu = await twilio.post("/twilio/queue/done?lang=de", QueueResult="leave", QueueTime="181")
    assert said(menu) == [
        "Für einen Rückruf drücken Sie die 1.",
        "Um eine Nachricht zu hinterlassen, drücken Sie die 2.",
    ]


async def test_closed_line_says_why_and_when_and_offers_the_menu(twilio: FakeTwilio, clock: ManualClock) -> None:
    clock.now = SATURDAY
    _, siegburg = await twilio.post("/twilio/voice/route?lang=de")
    assert said(siegburg) == [
        "Sie rufen außerhalb unserer Telefonzeiten an.",
        "Wir sind am Montag ab 8 Uhr wieder für Sie da.",  # Saturday: Monday is within the week
        "Für einen Rückruf drücken Sie die 1.",
        "Um eine Nachricht zu hinterlassen, drücken Sie die 2.",
        "Für eine Telefon- oder Videoberatung drücken Sie die 3.",
    ]
    twilio.to = EITORF  # no counselling hours: no option 3
    _, eitorf = await twilio.post("/twilio/voice/route?lang=en")
    assert said(eitorf)[-1] == "To leave a message, press 2."


async def test_holiday_and_closure_are_named(twilio: FakeTwilio, clock: ManualClock) -> None:
    clock.now = dt.datetime(2026, 10, 3, 8, 0, tzinfo=dt.UTC)
    _, holiday = await twilio.post("/twilio/voice/route?lang=de")
    assert said(holiday)[0] == "Heute ist ein Feiertag: Tag der Deutschen Einheit. Die Hotline ist nicht besetzt."
    clock.now = dt.datetime(2026, 12, 28, 9, 0, tzinfo=dt.UTC)
    _, closure = await twilio.post("/twilio/voice/route?lang=de")
    assert said(closure)[:2] == [
        "Die Hotline ist zurzeit geschlossen: Betriebsruhe zum Jahreswechsel.",
        "Wir sind am Montag, dem 4. Januar, ab 8 Uhr wieder für Sie da.",  # a week ahead: with the date
    ]


async def test_no_key_repeats_the_menu_twice_then_says_goodbye(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = SATURDAY
    _, second = await twilio.post("/twilio/closed/choice?lang=de&attempt=1")
    assert first(second, "Gather").get("action") == "/twilio/closed/choice?lang=de&attempt=2"
    _, third = await twilio.post("/twilio/closed/choice?lang=de&attempt=2", Digits="9")
    assert said(third)[0] == "Diese Eingabe haben wir leider nicht verstanden."
    _, end = await twilio.post("/twilio/closed/choice?lang=de&attempt=3")
    assert said(end) == [
        "Unsere Telefonzeiten: Montag und Dienstag von 8 bis 12 und von 13 bis 15 Uhr; Mittwoch und Freitag "
        "von 8 bis 12 Uhr; Donnerstag von 8 bis 12 und von 13 bis 18 Uhr.",
        "Mehr Informationen finden Sie im Internet unter www.jobcenter-rhein-sieg.de.",
        "Vielen Dank für Ihren Anruf. Auf Wiederhören.",
    ]
    assert verbs(end) == ["Say", "Say", "Say", "Hangup"]
    assert await kinds(sessions, twilio.call_sid) == [
        "call_received",
        "closed_menu_choice",
        "closed_menu_choice",
        "closed_menu_choice",
    ]


async def test_voicemail_is_recorded_with_notice_and_saved_before_thanks(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = SATURDAY
    _, record = await twilio.post("/twilio/closed/choice?lang=de&attempt=1", Digits="2")
    assert "nach Erledigung Ihres Anliegens gelöscht" in said(record)[0] and "30 Tage" in said(record)[0]
    recorder = first(record, "Record")
    assert recorder.get("maxLength") == "120" and recorder.get("transcribe") == "true"
    assert recorder.get("recordingStatusCallback") == "/twilio/recording"
    recording = new_sid("RE")
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{recording}"
    # the transcription overtakes the <Record> action: it must not be lost
    await twilio.post_fields(
        "/twilio/recording/transcription",
        {"RecordingSid": recording, "TranscriptionStatus": "completed", "TranscriptionText": "Bitte um Rückruf."},
    )
    _, thanks = await twilio.post(
        "/twilio/voicemail/done?lang=de", RecordingSid=recording, RecordingUrl=url, RecordingDuration="14"
    )
    assert said(thanks)[0] == "Vielen Dank, Ihre Nachricht ist gespeichert. Wir melden uns bei Ihnen."
    await twilio.post(
        "/twilio/voicemail/done?lang=de", RecordingSid=recording, RecordingUrl=url, RecordingDuration="14"
    )
    [voicemail] = await concerns(sessions)
    assert (voicemail.channel, voicemail.recording_sid, voicemail.recording_duration) == ("voicemail", recording, 14)
    assert voicemail.transcript == "Bitte um Rückruf."
    assert "voicemail_left" in await kinds_of_region(sessions)


async def kinds_of_region(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(ContactEvent.kind).order_by(ContactEvent.id)))


async def test_empty_recording_is_not_a_voicemail(
    twilio: FakeTwilio, sessions: async_sessionmaker[AsyncSession]
) -> None:
    _, reply = await twilio.post(
        "/twilio/voicemail/done?lang=de", RecordingSid=new_sid("RE"), RecordingUrl="https://x", RecordingDuration="0"
    )
    assert said(reply)[0] == "Wir haben leider keine Nachricht gehört."
    assert await concerns(sessions) == []


async def test_withheld_number_is_keyed_in_and_checked(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = SATURDAY
    twilio.caller = "anonymous"
    _, ask = await twilio.post("/twilio/closed/choice?lang=de&attempt=1", Digits="1")
    assert said(ask)[1:] == ["Bitte geben Sie Ihre Rufnummer mit Vorwahl ein und drücken Sie dann die Rautetaste."]
    assert said(ask)[0].startswith("Zum Datenschutz: ")  # before the number is keyed in, let alone stored
    assert first(ask, "Gather").get("finishOnKey") == "#"
    _, wrong = await twilio.post("/twilio/callback/number?lang=de&attempt=1", Digits="12#")
    assert said(wrong)[0] == "Diese Rufnummer können wir leider nicht anrufen."
    _, done = await twilio.post("/twilio/callback/number?lang=de&attempt=2", Digits="022419876543#")
    assert said(done)[0].startswith("Vielen Dank, Ihr Rückrufwunsch ist eingegangen.")
    [concern] = await concerns(sessions)
    assert concern.callback_number == "+4922419876543"


async def test_the_same_confirmation_twice_makes_one_concern(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = SATURDAY
    for _ in range(2):
        _, done = await twilio.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1")
        assert verbs(done)[-1] == "Hangup"
    assert len(await concerns(sessions)) == 1


async def test_status_callbacks_twice_and_out_of_order_are_counted_once(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = OPEN
    await twilio.post("/twilio/status", CallStatus="completed", CallDuration="95")  # before anything else
    await twilio.post("/twilio/voice")
    await twilio.post("/twilio/status", CallStatus="completed", CallDuration="95")
    await twilio.post("/twilio/status", CallStatus="ringing")
    assert await kinds(sessions, twilio.call_sid) == ["call_received", "call_completed"]


async def test_caller_who_hangs_up_in_the_queue_is_abandoned_once(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = OPEN
    await twilio.post("/twilio/voice/route?lang=de")
    await twilio.post("/twilio/queue/wait?lang=de", QueuePosition="2", QueueTime="30")
    await twilio.post("/twilio/queue/done?lang=de", QueueResult="hangup", QueueTime="75")
    await twilio.post("/twilio/status", CallStatus="completed", CallDuration="80")
    assert await kinds(sessions, twilio.call_sid) == ["call_received", "queued", "abandoned", "call_completed"]
    async with sessions() as session:
        abandoned = await session.scalar(select(ContactEvent).where(ContactEvent.kind == "abandoned"))
    assert abandoned is not None and abandoned.wait_seconds == 75
    assert abandoned.detail == {"position": 2}


async def test_a_signed_call_without_a_callsid_gets_the_fallback_answer_never_500(twilio: FakeTwilio) -> None:
    status, reply = await twilio.post_fields("/twilio/voice", {"From": "+4917612345678", "To": twilio.to})
    assert status == 200 and verbs(reply)[-1] == "Hangup"
    assert said(reply)[0].startswith("Leider gibt es gerade eine technische Störung.")
    twilio.to = "+4930999999"  # no region owns it
    status, unknown = await twilio.post("/twilio/voice")
    assert status == 200
    assert (
        said(unknown)[0]
        == "Diese Rufnummer ist keiner Geschäftsstelle zugeordnet. Bitte wählen Sie die Hotline Ihrer Region."
    )
    twilio.to = "+4922419000100"
    status, odd = await twilio.post("/twilio/closed/choice?lang=xx&attempt=abc", Digits="1; DROP TABLE")
    assert status == 200 and first(odd, "Gather") is not None


async def test_sms_keyword_asks_for_a_callback_and_anything_else_gets_help(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = OPEN
    sms = {"MessageSid": new_sid("SM"), "From": "+4917612345678", "To": twilio.to, "Body": "Rückruf bitte"}
    for _ in range(2):  # delivered twice
        status, reply = await twilio.post_fields("/twilio/sms", sms)
    assert status == 200
    [concern] = await concerns(sessions)
    assert first(reply, "Message").text == (
        "Jobcenter: Ihr Rückrufwunsch ist eingegangen. Wir rufen Sie bis Montag, 30. November, 12 Uhr zurück. "
        f"Ihre Vorgangsnummer: {concern.reference}."
    )
    _, help_reply = await twilio.post_fields("/twilio/sms", sms | {"MessageSid": new_sid("SM"), "Body": "Hallo?"})
    assert "RUECKRUF" in (first(help_reply, "Message").text or "")
    [concern] = await concerns(sessions)
    assert concern.channel == "sms" and concern.callback_number == "+4917612345678"
    assert await kinds_of_region(sessions) == [
        "sms_received",
        "callback_requested",
        "sms_sent",
        "sms_received",
        "sms_sent",
    ]


async def test_database_down_during_a_call_still_gets_a_spoken_answer(
    aiohttp_client: Callable[..., Awaitable[Client]], tmp_path: Path, clock: ManualClock
) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"
    engine = create_engine(url)
    settings = make_settings(tmp_path, url)
    client = await aiohttp_client(create_app(settings, overrides=Overrides(engine=engine, clock=clock)))
    twilio = FakeTwilio(client, settings)
    closed_words = [
        "Sie rufen außerhalb unserer Telefonzeiten an.",
        "Wir sind am Montag ab 8 Uhr wieder für Sie da.",
    ]
    try:
        clock.now = SATURDAY
        # The language menu needs no database; the first step that does answers from the file.
        status, menu = await twilio.post("/twilio/voice")
        assert status == 200
        assert verbs(menu)[0] == "Gather"
        status, closed = await twilio.post("/twilio/voice/language", Digits="1")
        assert status == 200
        assert said(closed)[:2] == closed_words
        # Once the arrival log has failed, a new call is not told the menu but answered at once.
        status, next_call = await FakeTwilio(client, settings).post("/twilio/voice")
        assert status == 200
        assert said(next_call)[:2] == closed_words
        clock.now = OPEN
        _, open_line = await twilio.post("/twilio/voice/fallback")
        assert said(open_line)[0].startswith("Leider gibt es gerade eine technische Störung.")
        assert verbs(open_line)[-1] == "Hangup"
    finally:
        await client.close()  # the app stops before its engine is disposed
        await engine.dispose()
