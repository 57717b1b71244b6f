"""The simulated outbound port on SQLite and PostgreSQL: every action lands in the outbox,
and counsellors and administrators can read it on a page."""

from __future__ import annotations

import datetime as dt
import io
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.app import Overrides, create_app
from staff.accounts import create_user
from telephony.outbound.outbox import SimulatedOutbound, list_outbox
from telephony.outbound.port import OutboundError
from tests.support import ManualClock, csrf_from, make_settings

HOTLINE = "+4922419000100"  # Siegburg's
EITORF = "+4922439000400"
CUSTOMER = "+4915112345678"
ANSWER_URL = "https://hotline.example/twilio/callback/answer?concern=42"
STATUS_URL = "https://hotline.example/twilio/status"
PASSWORD = "correct horse battery"
Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
def outbound(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> SimulatedOutbound:
    return SimulatedOutbound(sessions, clock)


async def test_every_action_lands_in_the_outbox_newest_first(
    outbound: SimulatedOutbound, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    call_sid = await outbound.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)
    clock.advance(minutes=1)
    sms_sid = await outbound.send_sms(to=CUSTOMER, from_=HOTLINE, body="Ihr Rückruf kommt heute.")
    clock.advance(minutes=1)
    await outbound.hang_up(call_sid)
    clock.advance(minutes=1)
    await outbound.delete_recording("RE" + "a" * 32)

    async with sessions() as session:
        entries = await list_outbox(session)
    assert [(e.kind, e.sid, e.to_number, e.from_number, e.body) for e in entries] == [
        ("delete_recording", None, None, None, "RE" + "a" * 32),
        ("hang_up", None, None, None, call_sid),
        ("sms", sms_sid, CUSTOMER, HOTLINE, "Ihr Rückruf kommt heute."),
        ("call", call_sid, CUSTOMER, HOTLINE, ANSWER_URL),
    ]
    assert entries[-1].created_at == clock() - dt.timedelta(minutes=3)


async def test_simulated_sids_look_like_twilios_and_differ(outbound: SimulatedOutbound) -> None:
    calls = {await outbound.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)}
    calls.add(await outbound.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL))
    text = await outbound.send_sms(to=CUSTOMER, from_=HOTLINE, body="Hallo")
    assert len(calls) == 2
    assert all(sid.startswith("CA") and len(sid) == 34 for sid in calls)
    assert text.startswith("SM") and len(text) == 34 and int(text[2:], 16) >= 0


async def test_outbox_list_is_limited_and_breaks_ties_by_order_of_writing(
    outbound: SimulatedOutbound, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # The clock stands still: equal times, yet the newest comes first.
    sids = [await outbound.send_sms(to=CUSTOMER, from_=HOTLINE, body=f"Nachricht {n}") for n in range(5)]
    async with sessions() as session:
        assert [e.sid for e in await list_outbox(session, limit=3)] == sids[:1:-1]


async def test_simulated_recording_is_a_playable_wav(outbound: SimulatedOutbound) -> None:
    recording = await outbound.fetch_recording("RE" + "b" * 32)
    assert recording.content_type == "audio/wav"
    with wave.open(io.BytesIO(recording.data)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth()) == (1, 2)
        assert audio.getnframes() == audio.getframerate()  # one second
        assert set(audio.readframes(audio.getnframes())) == {0}


async def test_simulator_refuses_what_twilio_would(
    outbound: SimulatedOutbound, sessions: async_sessionmaker[AsyncSession]
) -> None:
    for action in (
        outbound.hang_up("RE" + "c" * 32),
        outbound.delete_recording("../etc"),
        outbound.fetch_recording(""),
    ):
        with pytest.raises(OutboundError) as caught:
            await action
        assert caught.value.permanent
    async with sessions() as session:
        assert await list_outbox(session) == []


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[Client]:
    """The real app with anna (counsellor), root (admin) and paul (planner)."""
    app = create_app(
        make_settings(tmp_path, database_url), overrides=Overrides(clock=clock, engine=engine, run_jobs=False)
    )
    async with sessions.begin() as session:
        for username, role in (("anna", "counsellor"), ("root", "admin"), ("paul", "planner")):
            await create_user(session, username=username, password=PASSWORD, roles=[role], now=clock())
    client = await aiohttp_client(app)
    yield client
    await client.close()  # the app stops (its arrival log's last round) before the engine is disposed


async def log_in(client: Client, username: str) -> None:
    token = csrf_from(await (await client.get("/login")).text())
    form = {"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"}
    assert (await client.post("/login", data=form, allow_redirects=False)).status == 303


@pytest.mark.parametrize("username", ["anna", "root"])
async def test_outbox_page_lists_what_would_have_been_sent(
    client: Client, outbound: SimulatedOutbound, username: str
) -> None:
    await outbound.send_sms(to=CUSTOMER, from_=HOTLINE, body="Ihr Rückruf <heute>")
    await log_in(client, username)
    page = await client.get("/outbox")
    html = await page.text()
    assert page.status == 200
    assert "<caption>Ausgehende Anrufe und SMS, neueste zuerst (1)</caption>" in html
    assert "<td>SMS</td>" in html and f"<td>{CUSTOMER}</td><td>{HOTLINE}</td>" in html
    assert "Ihr Rückruf &lt;heute&gt;" in html  # escaped, not markup


async def test_outbox_page_shows_times_in_the_deployments_zone(client: Client, outbound: SimulatedOutbound) -> None:
    await outbound.hang_up("CA" + "d" * 32)
    await log_in(client, "root")
    html = await (await client.get("/outbox")).text()
    # the test clock's 09:30 UTC on 26 November is 10:30 in Siegburg
    assert "Zeit (Europe/Berlin)" in html and ">26.11.2026, 10:30</time>" in html
    assert ">26 Nov 2026, 10:30</time>" in await (await client.get("/outbox?lang=en")).text()


async def test_the_outbox_filtered_by_numbers_keeps_their_calls_texts_and_hang_ups(
    outbound: SimulatedOutbound, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ours = await outbound.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)
    theirs = await outbound.place_call(to=CUSTOMER, from_=EITORF, url=ANSWER_URL, status_callback=STATUS_URL)
    await outbound.send_sms(to=CUSTOMER, from_=HOTLINE, body="aus Siegburg")
    await outbound.send_sms(to=CUSTOMER, from_=EITORF, body="aus Eitorf")
    await outbound.hang_up(ours)
    await outbound.hang_up(theirs)
    await outbound.delete_recording("RE" + "a" * 32)
    async with sessions() as session:
        siegburg = await list_outbox(session, numbers={HOTLINE})
        everything = await list_outbox(session)
    assert [(e.kind, e.body if e.kind != "call" else e.sid) for e in siegburg] == [
        ("hang_up", ours),
        ("sms", "aus Siegburg"),
        ("call", ours),
    ]
    assert len(everything) == 7


async def test_a_counsellor_sees_only_what_went_out_for_their_regions(
    client: Client, outbound: SimulatedOutbound, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with sessions.begin() as session:
        await create_user(
            session, username="sina", password=PASSWORD, roles=["counsellor"], regions=["siegburg"], now=clock()
        )
    await outbound.send_sms(to=CUSTOMER, from_=HOTLINE, body="Ihr Rückruf aus Siegburg")
    await outbound.send_sms(to="+4915199999999", from_=EITORF, body="Ihr Rückruf aus Eitorf")
    await outbound.delete_recording("RE" + "b" * 32)
    await log_in(client, "sina")
    html = await (await client.get("/outbox")).text()
    assert "Ihr Rückruf aus Siegburg" in html
    assert "Eitorf" not in html and "+4915199999999" not in html and "RE" + "b" * 32 not in html
    assert "(1)</caption>" in html and "Sie sehen, was von den Rufnummern Ihrer Regionen ausging." in html
    await client.post("/logout", data={"csrf_token": csrf_from(html)})
    await log_in(client, "root")  # an administrator sees everything
    everything = await (await client.get("/outbox")).text()
    assert "Ihr Rückruf aus Eitorf" in everything and "RE" + "b" * 32 in everything and "(3)</caption>" in everything


async def test_outbox_page_is_closed_to_other_roles(client: Client) -> None:
    await log_in(client, "paul")
    assert (await client.get("/outbox")).status == 403


async def test_outbox_page_shows_an_empty_outbox_in_english_too(client: Client) -> None:
    await log_in(client, "root")
    assert "Noch nichts gesendet." in await (await client.get("/outbox")).text()
    english = await (await client.get("/outbox?lang=en")).text()
    assert "Simulator outbox" in english and "Nothing sent yet." in english
