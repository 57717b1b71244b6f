"""The webhook edge: bad bodies, odd fields and failing handlers never reach Twilio as a 500."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callbacks.models import Concern
from service.app import Overrides, create_app
from telephony.edge.late_work import LateWork
from tests.e2e.conftest import Client
from tests.support import ManualClock, make_settings
from tests.twilio_requests import FakeTwilio, new_sid, said, verbs

OPEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # Thursday 10:30 in Siegburg
SATURDAY = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
BAD_BODIES = {
    "not-utf-8": ("application/x-www-form-urlencoded", b"CallSid=CA\xff\xfe&To=%2B4922419000100"),
    "escape-not-utf-8": ("application/x-www-form-urlencoded", b"CallSid=CA00&Body=%FF%FE"),
    "charset-bogus": ("application/x-www-form-urlencoded; charset=bogus", b"CallSid=CA00"),
    "charset-utf-16": ("application/x-www-form-urlencoded; charset=utf-16", "CallSid=CA00".encode("utf-16")),
    "multipart-without-boundary": ("multipart/form-data", b"--x\r\nContent-Disposition: form-data\r\n\r\n1\r\n--x--"),
    "json": ("application/json", b'{"CallSid": "CA00"}'),
}


@pytest.fixture
def twilio(client: Client, database_url: str, tmp_path: Path) -> FakeTwilio:
    return FakeTwilio(client, make_settings(tmp_path, database_url))


def webhook_paths(client: Client) -> list[str]:
    """Every path Twilio may call, read from the app's own route table."""
    paths = {r.canonical for r in client.app.router.resources() if r.canonical.startswith("/twilio/")}
    assert len(paths) >= 20
    return sorted(paths)


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
async def test_an_unreadable_body_gets_400_if_signed_and_403_if_not_on_every_webhook(
    client: Client, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    content_type, body = BAD_BODIES[kind]
    for path in webhook_paths(client):
        signed = await client.post(
            path, data=body, headers={"Content-Type": content_type, "X-Twilio-Signature": "c2lnbmVk"}
        )
        unsigned = await client.post(path, data=body, headers={"Content-Type": content_type})
        assert (signed.status, unsigned.status) == (400, 403), path
    assert any(r.message == "twilio webhook with an unreadable body refused" for r in caplog.records)


async def test_a_signature_header_with_letters_outside_ascii_is_refused_not_a_500(twilio: FakeTwilio) -> None:
    response = await twilio.client.post(
        "/twilio/voice", data={"CallSid": twilio.call_sid}, headers={"X-Twilio-Signature": "sïgnätür€"}
    )
    assert response.status == 403


@pytest.mark.parametrize("odd", ["²", "1" * 20, "-1", "٣"])
async def test_signed_webhooks_with_odd_numbers_answer_twiml_never_500(
    twilio: FakeTwilio, clock: ManualClock, odd: str
) -> None:
    clock.now = OPEN
    query = quote(odd)  # Twilio requests (and signs) the URL as TwiML gave it: percent-encoded
    requests = [
        (f"/twilio/closed/choice?lang=de&attempt={query}", {"Digits": "9"}),
        (f"/twilio/counsellor/status?user={query}", {"CallStatus": "completed"}),
        (f"/twilio/attempt/status?attempt={query}", {"CallStatus": "no-answer"}),
        (f"/twilio/attempt/connect?attempt={query}", {}),
        ("/twilio/status", {"CallStatus": "completed", "CallDuration": odd}),
        ("/twilio/queue/wait?lang=de", {"QueueTime": odd, "QueuePosition": odd, "AvgQueueTime": odd}),
        ("/twilio/queue/done?lang=de", {"QueueResult": "hangup", "QueueTime": odd}),
        ("/twilio/recording", {"RecordingSid": new_sid("RE"), "RecordingDuration": odd}),
    ]
    for path, fields in requests:
        status, answer = await twilio.post(path, **fields)
        assert status == 200, path
        assert isinstance(answer, ET.Element) and answer.tag == "Response", path


async def test_a_voicemail_whose_length_twilio_garbled_is_still_saved(
    twilio: FakeTwilio, clock: ManualClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = SATURDAY
    recording = new_sid("RE")
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{recording}"
    status, thanks = await twilio.post(
        "/twilio/voicemail/done?lang=de", RecordingSid=recording, RecordingUrl=url, RecordingDuration="²"
    )
    assert status == 200 and "Ihre Nachricht ist gespeichert." in " ".join(said(thanks))
    async with sessions() as session:
        concern = await session.scalar(select(Concern).where(Concern.recording_sid == recording))
    assert concern is not None and concern.recording_duration is None


@pytest.fixture
async def patient_client(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[tuple[Client, LateWork]]:
    """The app with late work retried at once and twice only, so a test sees it given up."""
    late_work = LateWork(delays=(0.0, 0.0), try_seconds=5.0)
    settings = make_settings(tmp_path, database_url)
    app = create_app(settings, overrides=Overrides(clock=clock, engine=engine, late_work=late_work, run_jobs=False))
    client = await aiohttp_client(app)
    yield client, late_work
    await client.close()


async def test_a_callback_the_database_refuses_gets_the_fallback_and_is_logged_as_lost(
    patient_client: tuple[Client, LateWork],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, late_work = patient_client
    twilio = FakeTwilio(client, make_settings(tmp_path, database_url))
    clock.now = SATURDAY
    await twilio.post("/twilio/closed/choice?lang=de", Digits="1")
    caplog.set_level(logging.INFO)
    fields = twilio_fields(twilio, Digits="1")
    async with table_gone(engine, "concern_sources"):  # a failure of the database itself, not of our code
        response = await client.post(
            "/twilio/callback/answer?lang=de",
            data=fields,
            headers={"X-Twilio-Signature": twilio.sign("/twilio/callback/answer?lang=de", fields)},
        )
        answer = ET.fromstring(await response.text())
        await late_work.settled()
    assert response.status == 200
    assert said(answer) == [
        "Sie rufen außerhalb unserer Telefonzeiten an.",
        "Wir sind am Montag ab 8 Uhr wieder für Sie da.",
        "Vielen Dank für Ihren Anruf. Auf Wiederhören.",
    ]
    assert verbs(answer)[-1] == "Hangup"
    lost = [r for r in caplog.records if r.message == "webhook work lost"]
    assert late_work.lost == 1 and len(lost) == 1
    assert lost[0].call == twilio.call_sid and lost[0].path == "/twilio/callback/answer"  # type: ignore[attr-defined]
    assert lost[0].request_id == response.headers["X-Request-Id"]  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(Concern)) == 0


async def test_a_handler_that_fails_answers_twiml_and_logs_the_request(
    twilio: FakeTwilio, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import telephony.inbound.webhooks as inbound

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in a use case")

    monkeypatch.setattr(inbound, "next_window", broken)  # reached by the counselling choice only
    clock.now = SATURDAY
    status, answer = await twilio.post("/twilio/closed/choice?lang=de", Digits="3")
    assert status == 200 and verbs(answer)[-1] == "Hangup"
    assert said(answer)[0] == "Sie rufen außerhalb unserer Telefonzeiten an."
    failed = [r for r in caplog.records if r.message == "twilio webhook failed; answered without it"]
    assert len(failed) == 1 and failed[0].exc_info is not None


async def test_a_failing_status_callback_gets_an_empty_response(
    patient_client: tuple[Client, LateWork],
    engine: AsyncEngine,
    database_url: str,
    tmp_path: Path,
) -> None:
    client, late_work = patient_client
    twilio = FakeTwilio(client, make_settings(tmp_path, database_url))
    async with table_gone(engine, "contact_events"):
        status, answer = await twilio.post("/twilio/status", CallStatus="completed", CallDuration="30")
        await late_work.settled()
    assert status == 200 and isinstance(answer, ET.Element) and len(answer) == 0
    assert late_work.lost == 1


@contextlib.asynccontextmanager
async def table_gone(engine: AsyncEngine, table: str) -> AsyncIterator[None]:
    """The table is missing while the block runs (renamed away and back): every statement on it fails."""
    async with engine.begin() as connection:
        await connection.execute(text(f"ALTER TABLE {table} RENAME TO {table}_gone"))
    try:
        yield
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f"ALTER TABLE {table}_gone RENAME TO {table}"))


def twilio_fields(twilio: FakeTwilio, **extra: str) -> dict[str, str]:
    return {
        "CallSid": twilio.call_sid,
        "AccountSid": twilio.settings.webhook_account_sid,
        "From": twilio.caller,
        "To": twilio.to,
        "CallStatus": "in-progress",
    } | extra
