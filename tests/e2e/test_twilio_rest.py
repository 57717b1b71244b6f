"""The Twilio adapter of the outbound port, through the real twilio library, against a fake
Twilio REST API on loopback. Waits between retries go to a recorder, so nothing sleeps."""

from __future__ import annotations

import asyncio
import socket
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from telephony.outbound.port import CALL_STATUS_EVENTS, OutboundError, Recording
from telephony.outbound.twilio_rest import TwilioOutbound, basic_auth
from tests.fakes.twilio_api import FakeTwilioApi

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "tok3n-that-must-never-show-" + "9" * 6
API = f"/2010-04-01/Accounts/{ACCOUNT}"
HOTLINE = "+4922419000100"
CUSTOMER = "+4915112345678"
ANSWER_URL = "https://hotline.example/twilio/callback/answer?concern=42"
STATUS_URL = "https://hotline.example/twilio/call-status"


class Waits(list[float]):
    """Stands in for `asyncio.sleep`: notes each wait instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake() -> FakeTwilioApi:
    return FakeTwilioApi(ACCOUNT, TOKEN)


@pytest.fixture
async def server(
    aiohttp_server: Callable[..., Awaitable[TestServer]], fake: FakeTwilioApi
) -> AsyncIterator[TestServer]:
    yield await aiohttp_server(fake.application(), host="127.0.0.1")
    fake.release()


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
async def twilio(server: TestServer, waits: Waits) -> AsyncIterator[TwilioOutbound]:
    outbound = TwilioOutbound(ACCOUNT, TOKEN, api_base_url=str(server.make_url("/")), sleep=waits)
    yield outbound
    await outbound.close()


def assert_token_hidden(error: OutboundError) -> None:
    """Neither the message nor anything a log would print of the error holds the token."""
    assert TOKEN not in str(error)
    assert TOKEN not in "".join(traceback.format_exception(error))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_call_is_placed_with_answer_url_status_events_and_ring_time(
    twilio: TwilioOutbound, fake: FakeTwilioApi
) -> None:
    sid = await twilio.place_call(
        to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL, timeout_seconds=25
    )
    assert sid in fake.calls and sid.startswith("CA") and len(sid) == 34
    [request] = fake.requests
    assert (request.method, request.path, request.status) == ("POST", f"{API}/Calls.json", 201)
    assert request.form["To"] == CUSTOMER and request.form["From"] == HOTLINE
    assert request.form["Url"] == ANSWER_URL and request.form["StatusCallback"] == STATUS_URL
    assert request.form.getall("StatusCallbackEvent") == list(CALL_STATUS_EVENTS)
    assert request.form["Timeout"] == "25"
    assert "MachineDetection" not in request.form


async def test_answering_machine_detection_is_asked_for_only_when_wanted(
    twilio: TwilioOutbound, fake: FakeTwilioApi
) -> None:
    await twilio.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)
    await twilio.place_call(
        to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL, machine_detection=True
    )
    assert [r.form.get("MachineDetection") for r in fake.requests] == [None, "Enable"]
    assert [r.form["Timeout"] for r in fake.requests] == ["30", "30"]


async def test_sms_is_sent_with_status_callback_only_when_given(twilio: TwilioOutbound, fake: FakeTwilioApi) -> None:
    text = "Ihr Rückruf ist für heute 14:00 geplant."
    first = await twilio.send_sms(to=CUSTOMER, from_=HOTLINE, body=text, status_callback=STATUS_URL)
    second = await twilio.send_sms(to=CUSTOMER, from_=HOTLINE, body=text)
    assert set(fake.messages) == {first, second} and first.startswith("SM")
    with_callback, without = fake.requests
    assert with_callback.path == f"{API}/Messages.json"
    assert dict(with_callback.form) == {"To": CUSTOMER, "From": HOTLINE, "Body": text, "StatusCallback": STATUS_URL}
    assert dict(without.form) == {"To": CUSTOMER, "From": HOTLINE, "Body": text}


async def test_hang_up_completes_the_call(twilio: TwilioOutbound, fake: FakeTwilioApi) -> None:
    sid = await twilio.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)
    await twilio.hang_up(sid)
    assert fake.calls[sid]["status"] == "completed"
    hang_up = fake.requests[-1]
    assert (hang_up.method, hang_up.path, dict(hang_up.form)) == (
        "POST",
        f"{API}/Calls/{sid}.json",
        {"Status": "completed"},
    )


async def test_recording_is_fetched_then_deleted(twilio: TwilioOutbound, fake: FakeTwilioApi) -> None:
    audio = b"ID3\x04\x00" + bytes(range(256)) * 4
    sid = fake.add_recording(audio)
    assert await twilio.fetch_recording(sid) == Recording(content_type="audio/mpeg", data=audio)
    await twilio.delete_recording(sid)
    assert sid not in fake.recordings
    assert [(r.method, r.path, r.status) for r in fake.requests] == [
        ("GET", f"{API}/Recordings/{sid}.mp3", 200),
        ("DELETE", f"{API}/Recordings/{sid}.json", 204),
    ]


async def test_deleting_a_recording_already_gone_succeeds(twilio: TwilioOutbound, fake: FakeTwilioApi) -> None:
    sid = fake.add_recording(b"ID3")
    await twilio.delete_recording(sid)
    await twilio.delete_recording(sid)
    assert [r.status for r in fake.requests] == [204, 404]


async def test_fetching_a_missing_recording_fails_permanently(twilio: TwilioOutbound, fake: FakeTwilioApi) -> None:
    with pytest.raises(OutboundError) as caught:
        await twilio.fetch_recording("RE" + "0" * 32)
    assert caught.value.permanent
    assert "HTTP 404" in str(caught.value) and "20404" in str(caught.value)


async def test_a_rate_limited_call_is_retried_with_growing_waits(
    twilio: TwilioOutbound, fake: FakeTwilioApi, waits: Waits
) -> None:
    fake.fail_next(2, 429)
    sid = await twilio.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)
    assert sid in fake.calls
    assert [r.status for r in fake.requests] == [429, 429, 201]
    assert waits == [0.5, 1.0]


@pytest.mark.parametrize("status", [500, 503])
async def test_a_call_is_not_placed_again_after_a_server_error(
    twilio: TwilioOutbound, fake: FakeTwilioApi, waits: Waits, status: int
) -> None:
    """Twilio may have placed it despite the error: asking again could ring the customer twice."""
    fake.fail_next(1, status)
    with pytest.raises(OutboundError) as caught:
        await twilio.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)
    assert not caught.value.permanent
    assert [r.status for r in fake.requests] == [status]
    assert waits == []


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_transient_errors_of_idempotent_requests_are_retried(
    twilio: TwilioOutbound, fake: FakeTwilioApi, waits: Waits, status: int
) -> None:
    fake.fail_next(2, status)
    await twilio.delete_recording(fake.add_recording(b"ID3"))
    assert [r.status for r in fake.requests] == [status, status, 204]
    assert waits == [0.5, 1.0]


async def test_recording_download_is_retried_like_the_rest(
    twilio: TwilioOutbound, fake: FakeTwilioApi, waits: Waits
) -> None:
    sid = fake.add_recording(b"ID3")
    fake.fail_next(1, 503)
    assert (await twilio.fetch_recording(sid)).data == b"ID3"
    assert waits == [0.5]


async def test_lasting_server_errors_give_up_as_transient(
    twilio: TwilioOutbound, fake: FakeTwilioApi, waits: Waits
) -> None:
    fake.fail_next(10, 500)
    with pytest.raises(OutboundError) as caught:
        await twilio.fetch_recording(fake.add_recording(b"ID3"))
    assert not caught.value.permanent
    assert "HTTP 500" in str(caught.value) and "gave up after 4 attempts" in str(caught.value)
    assert len(fake.requests) == 4
    assert waits == [0.5, 1.0, 2.0]
    assert_token_hidden(caught.value)


async def test_rejected_request_is_permanent_and_not_retried(
    twilio: TwilioOutbound, fake: FakeTwilioApi, waits: Waits
) -> None:
    fake.fail_next(1, 400, code=21211, message="Invalid 'To' Phone Number")
    with pytest.raises(OutboundError) as caught:
        await twilio.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)
    assert caught.value.permanent
    assert "HTTP 400" in str(caught.value) and "21211" in str(caught.value) and "Invalid 'To'" in str(caught.value)
    assert len(fake.requests) == 1 and waits == []
    assert_token_hidden(caught.value)


async def test_number_twilio_cannot_dial_is_a_permanent_error(twilio: TwilioOutbound, waits: Waits) -> None:
    with pytest.raises(OutboundError) as caught:
        await twilio.place_call(to="0221 not a number", from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)
    assert caught.value.permanent and waits == []


async def test_wrong_credentials_are_permanent_and_the_token_stays_hidden(server: TestServer, waits: Waits) -> None:
    wrong = TwilioOutbound(ACCOUNT, TOKEN + "-old", api_base_url=str(server.make_url("/")), sleep=waits)
    try:
        with pytest.raises(OutboundError) as caught:
            await wrong.send_sms(to=CUSTOMER, from_=HOTLINE, body="Hallo")
    finally:
        await wrong.close()
    assert caught.value.permanent and "HTTP 401" in str(caught.value)
    assert waits == []
    assert_token_hidden(caught.value)


async def test_unreachable_twilio_is_transient_after_retries(waits: Waits) -> None:
    outbound = TwilioOutbound(ACCOUNT, TOKEN, api_base_url=f"http://127.0.0.1:{closed_port()}", sleep=waits)
    try:
        with pytest.raises(OutboundError) as caught:
            await outbound.place_call(to=CUSTOMER, from_=HOTLINE, url=ANSWER_URL, status_callback=STATUS_URL)
    finally:
        await outbound.close()
    assert not caught.value.permanent
    assert "could not be reached" in str(caught.value) and "gave up after 4 attempts" in str(caught.value)
    assert waits == [0.5, 1.0, 2.0]
    assert_token_hidden(caught.value)


async def test_twilio_not_answering_in_time_is_transient(server: TestServer, fake: FakeTwilioApi, waits: Waits) -> None:
    # The library itself sets no timeout; without the adapter's, this call would hang for good.
    impatient = TwilioOutbound(
        ACCOUNT, TOKEN, api_base_url=str(server.make_url("/")), sleep=waits, retries=1, request_timeout_seconds=0.05
    )
    fake.stall_next(2)
    try:
        with pytest.raises(OutboundError) as caught:
            async with asyncio.timeout(5):  # fail, rather than hang, if the timeout is lost
                await impatient.hang_up("CA" + "1" * 32)
    finally:
        await impatient.close()
    assert not caught.value.permanent and "did not answer in time" in str(caught.value)
    assert waits == [0.5]


async def test_malformed_sid_is_refused_before_anything_is_sent(twilio: TwilioOutbound, fake: FakeTwilioApi) -> None:
    for action in (twilio.hang_up("../../Calls"), twilio.delete_recording("CA" + "1" * 32)):
        with pytest.raises(OutboundError) as caught:
            await action
        assert caught.value.permanent
    assert fake.requests == []


async def test_fake_refuses_parameters_outside_its_contract(server: TestServer, fake: FakeTwilioApi) -> None:
    """The contract test checks the fake's parameter sets against Twilio's description; this
    checks the fake enforces them, so the adapter cannot send anything else unnoticed."""
    headers = {"Authorization": basic_auth(ACCOUNT, TOKEN)}
    form = {"To": CUSTOMER, "From": HOTLINE, "Url": ANSWER_URL, "SendDigits": "1234"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.make_url(f"{API}/Calls.json"), data=form, headers=headers) as response,
    ):
        assert response.status == 400
        assert "SendDigits" in (await response.json())["message"]
    assert fake.calls == {}
