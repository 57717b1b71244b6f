"""The call simulator plays Twilio against a scripted service on loopback and tells what the caller heard.

The scripted service checks every signature the way the real one does, against the public URL,
so a simulator that signs the wrong URL or form gets 403s, not passing tests.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from twilio.request_validator import RequestValidator

from telephony.simulator.calls import simulate_call
from telephony.simulator.transcript import Transcript

PUBLIC_URL = "https://hotline.example.org"
AUTH_TOKEN = "auth-token-of-the-test-account"
ACCOUNT_SID = "AC" + "0" * 32
HOTLINE = "+4922419000100"
CALLER = "+4915112345678"

Answer = Callable[[Mapping[str, str]], web.Response]
Script = Mapping[str, Answer]
Received = list[tuple[str, dict[str, str]]]
RECEIVED = web.AppKey("received", Received)


def twiml(verbs: str) -> web.Response:
    return web.Response(
        text=f'<?xml version="1.0" encoding="UTF-8"?><Response>{verbs}</Response>', content_type="text/xml"
    )


def no_content(form: Mapping[str, str]) -> web.Response:
    return web.Response(status=204)


# One caller's way through: language menu, queue, a callback offer while waiting, voicemail.
HOTLINE_SCRIPT: dict[str, Answer] = {
    "/twilio/voice": lambda form: twiml(
        '<Gather action="/twilio/language" numDigits="1">'
        '<Say language="de-DE" voice="Polly.Vicki">Für Deutsch drücken Sie die 1.</Say>'
        '<Say language="en-GB">For English press 2.</Say>'
        "</Gather>"
        '<Say language="de-DE">Wir haben Sie nicht verstanden.</Say>'
        "<Hangup/>"
    ),
    "/twilio/language": lambda form: twiml("<Redirect>/twilio/queue?lang=de</Redirect>"),
    # "wait" is relative: it resolves against /twilio/queue?lang=de to /twilio/wait.
    "/twilio/queue": lambda form: twiml('<Enqueue waitUrl="wait" action="/twilio/queue/left">siegburg</Enqueue>'),
    "/twilio/wait": lambda form: twiml(
        '<Gather action="/twilio/wait/choice" numDigits="1">'
        "<Say>Alle Leitungen sind belegt. Für einen Rückruf drücken Sie die 1.</Say>"
        "</Gather>"
        '<Play loop="2">https://cdn.example.org/hold.mp3</Play>'
    ),
    "/twilio/wait/choice": lambda form: twiml(
        "<Leave/>" if form["Digits"] == "1" else "<Redirect>/twilio/wait</Redirect>"
    ),
    "/twilio/queue/left": lambda form: twiml(
        '<Say language="de-DE">Bitte sprechen Sie nach dem Ton.</Say>'
        f'<Record action="{PUBLIC_URL}/twilio/voicemail" maxLength="120" recordingStatusCallback="/twilio/recording"/>'
    ),
    "/twilio/voicemail": lambda form: twiml('<Say language="de-DE">Danke. Wir rufen Sie zurück.</Say><Hangup/>'),
    "/twilio/recording": no_content,
    "/twilio/status": no_content,
}


def scripted_service(script: Script) -> web.Application:
    """Answers like the hotline would, after checking each request as the hotline checks Twilio's."""
    app = web.Application()
    app[RECEIVED] = []

    async def answer(request: web.Request) -> web.StreamResponse:
        if request.method == "POST" and request.content_type != "application/x-www-form-urlencoded":
            raise web.HTTPUnsupportedMediaType()
        form = {name: str(value) for name, value in (await request.post()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(AUTH_TOKEN).validate(PUBLIC_URL + request.path_qs, form, signature):
            raise web.HTTPForbidden()
        fields = form if request.method == "POST" else dict(request.query)
        app[RECEIVED].append((request.path_qs, fields))
        respond = script.get(request.path)
        if respond is None:
            raise web.HTTPNotFound()
        return respond(fields)

    app.router.add_route("*", "/{path:.*}", answer)
    return app


ServerFactory = Callable[..., Awaitable[TestServer]]


@pytest.fixture
def serve(aiohttp_server: ServerFactory) -> Callable[..., Awaitable[TestServer]]:
    """Start the hotline script on loopback, with some paths answered differently."""

    async def start(**changes: Answer) -> TestServer:
        return await aiohttp_server(scripted_service({**HOTLINE_SCRIPT, **changes}))

    return start


async def call(server: TestServer, *presses: str, **options: Any) -> Transcript:
    settings: dict[str, Any] = {
        "base_url": str(server.make_url("")),
        "public_url": PUBLIC_URL,
        "auth_token": AUTH_TOKEN,
        "account_sid": ACCOUNT_SID,
        "to": HOTLINE,
        "from_": CALLER,
        "presses": presses,
    }
    return await simulate_call(**{**settings, **options})


def received(server: TestServer) -> Received:
    """What the scripted service accepted: path with query, and the fields, in order."""
    assert server.app is not None
    return server.app[RECEIVED]


async def test_caller_who_queues_and_leaves_a_voicemail_hears_every_prompt(serve: Any) -> None:
    server = await serve()

    transcript = await call(server, "1", "1")

    assert transcript.texts() == [
        "Say (de-DE, Polly.Vicki): Für Deutsch drücken Sie die 1.",
        "Say (en-GB): For English press 2.",
        "Press: 1",
        "Enqueue: siegburg",
        "Say: Alle Leitungen sind belegt. Für einen Rückruf drücken Sie die 1.",
        "Press: 1",
        "Leave",
        "Say (de-DE): Bitte sprechen Sie nach dem Ton.",
        "Record: (caller speaks 12 s)",
        "Say (de-DE): Danke. Wir rufen Sie zurück.",
        "Hangup",
    ]
    assert transcript.said()[-1] == "Danke. Wir rufen Sie zurück."
    assert transcript.errors == []
    # Relative URLs resolved against their document; the absolute public URL was sent to loopback.
    assert [path for path, _ in received(server)] == [
        "/twilio/voice",
        "/twilio/language",
        "/twilio/queue?lang=de",
        "/twilio/wait",
        "/twilio/wait/choice",
        "/twilio/queue/left",
        "/twilio/voicemail",
        "/twilio/recording",
        "/twilio/status",
    ]
    assert [tuple(request) for request in transcript.requests] == received(server)


async def test_every_webhook_carries_the_call_and_what_the_caller_did(serve: Any) -> None:
    server = await serve()

    transcript = await call(server, "1", "1")

    first, *later = transcript.requests
    assert first.fields == {
        "CallSid": transcript.call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": CALLER,
        "To": HOTLINE,
        "Caller": CALLER,
        "Called": HOTLINE,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    assert re.fullmatch(r"CA[0-9a-f]{32}", transcript.call_sid)
    assert all(request.fields["CallSid"] == transcript.call_sid for request in later)
    assert transcript.sent_to("/twilio/language")[0]["Digits"] == "1"
    assert transcript.sent_to("/twilio/language")[0]["CallStatus"] == "in-progress"

    (wait,) = transcript.sent_to("/twilio/wait")
    assert wait["QueueTime"] == "0"
    assert re.fullmatch(r"QU[0-9a-f]{32}", wait["QueueSid"])
    (left,) = transcript.sent_to("/twilio/queue/left")
    assert left["QueueResult"] == "leave"
    assert left["QueueSid"] == wait["QueueSid"]

    (voicemail,) = transcript.sent_to("/twilio/voicemail")
    assert re.fullmatch(r"RE[0-9a-f]{32}", voicemail["RecordingSid"])
    assert voicemail["RecordingUrl"] == (
        f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{voicemail['RecordingSid']}"
    )
    assert (voicemail["RecordingDuration"], voicemail["Digits"]) == ("12", "#")
    (recording,) = transcript.sent_to("/twilio/recording")
    assert recording == {
        "RecordingSid": voicemail["RecordingSid"],
        "RecordingUrl": voicemail["RecordingUrl"],
        "RecordingDuration": "12",
        "RecordingStatus": "completed",
        "CallSid": transcript.call_sid,
        "AccountSid": ACCOUNT_SID,
    }


async def test_status_callback_closes_the_call_with_its_duration(serve: Any) -> None:
    server = await serve()

    transcript = await call(server, "1", "1")

    last_path, last_fields = transcript.requests[-1]
    assert last_path == "/twilio/status"
    assert last_fields["CallStatus"] == "completed"
    assert int(last_fields["CallDuration"]) >= 12  # at least the recording


async def test_signatures_under_the_wrong_token_are_refused(serve: Any) -> None:
    server = await serve()

    transcript = await call(server, "1", auth_token="not-the-account-token")

    assert transcript.errors[0] == "Error: POST /twilio/voice answered 403"
    assert transcript.said() == []
    assert received(server) == []


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (web.Response(status=500, text="Internal Server Error"), "Error: POST /twilio/language answered 500"),
        (
            web.Response(text="<html><body>Oops", content_type="text/html"),
            "Error: POST /twilio/language answered no XML: '<html><body>Oops'",
        ),
        (
            web.Response(text="<html><body>Oops</body></html>", content_type="text/html"),
            "Error: POST /twilio/language answered <html>, not <Response>",
        ),
    ],
    ids=["server error", "not XML", "not TwiML"],
)
async def test_an_answer_twilio_cannot_play_ends_the_call_with_an_error(
    serve: Any, response: web.Response, error: str
) -> None:
    server = await serve(**{"/twilio/language": lambda form: response})

    transcript = await call(server, "1", "1")

    assert transcript.texts()[-1] == error
    assert transcript.errors == [error]
    # Twilio still reports the end of the call.
    assert transcript.requests[-1].path == "/twilio/status"


async def test_caller_who_presses_nothing_hears_the_verb_after_the_gather(serve: Any) -> None:
    server = await serve()

    transcript = await call(server)

    assert transcript.texts()[2:] == [
        "(no key pressed)",
        "Say (de-DE): Wir haben Sie nicht verstanden.",
        "Hangup",
    ]
    assert [request.path for request in transcript.requests] == ["/twilio/voice", "/twilio/status"]


async def test_silence_is_reported_when_the_gather_asks_for_it(serve: Any) -> None:
    server = await serve(
        **{"/twilio/voice": lambda form: twiml('<Gather action="/twilio/language" actionOnEmptyResult="true"/>')}
    )

    transcript = await call(server)

    assert transcript.sent_to("/twilio/language")[0]["Digits"] == ""


async def test_a_number_keyed_in_loses_its_finishing_key(serve: Any) -> None:
    server = await serve(**{"/twilio/voice": lambda form: twiml('<Gather action="/twilio/number" timeout="10"/>')})

    transcript = await call(server, "02241123456#")

    assert "Press: 02241123456#" in transcript.texts()
    assert [request.path for request in transcript.requests][:2] == ["/twilio/voice", "/twilio/number"]
    assert transcript.sent_to("/twilio/number")[0]["Digits"] == "02241123456"


async def test_a_get_gather_is_signed_over_its_query(serve: Any) -> None:
    server = await serve(
        **{
            "/twilio/voice": lambda form: twiml('<Gather action="/twilio/menu?step=2" method="GET"/>'),
            "/twilio/menu": lambda form: twiml("<Hangup/>"),
        }
    )

    transcript = await call(server, "3")

    assert transcript.errors == []
    path, fields = received(server)[1]
    assert path.startswith("/twilio/menu?step=2&")
    assert fields["Digits"] == "3"


async def test_a_redirect_loop_is_stopped_after_max_steps(serve: Any) -> None:
    server = await serve(
        **{"/twilio/voice": lambda form: twiml("<Say>Einen Moment.</Say><Redirect>/twilio/voice</Redirect>")}
    )

    transcript = await call(server, max_steps=5)

    assert transcript.texts()[-1] == "(stopped after 5 requests)"
    assert len(transcript.requests) == 5
    assert transcript.said() == ["Einen Moment."] * 5
    assert transcript.sent_to("/twilio/status") == []


async def test_caller_nobody_answers_hangs_up_in_the_queue(serve: Any) -> None:
    server = await serve()

    transcript = await call(server, "1", queue_rounds=3)

    waits = transcript.sent_to("/twilio/wait")
    assert [wait["QueueTime"] for wait in waits] == ["0", "30", "60"]
    assert [wait["QueuePosition"] for wait in waits] == ["3", "2", "1"]
    assert transcript.texts()[-3:] == [
        "(no key pressed)",
        "Play (loop 2): https://cdn.example.org/hold.mp3",
        "(caller hangs up while waiting)",
    ]
    (left,) = transcript.sent_to("/twilio/queue/left")
    assert (left["QueueResult"], left["QueueTime"]) == ("hangup", "90")
    assert transcript.requests[-1].path == "/twilio/status"
    assert "Record: (caller speaks 12 s)" not in transcript.texts()


async def test_caller_who_cannot_finish_with_a_key_hangs_up_after_the_recording(serve: Any) -> None:
    server = await serve(
        **{
            "/twilio/voice": lambda form: twiml(
                '<Record action="/twilio/voicemail" finishOnKey="" transcribeCallback="/twilio/transcription"/>'
            ),
            "/twilio/transcription": no_content,
        }
    )

    transcript = await call(server)

    assert transcript.texts() == ["Record: (caller speaks 12 s)"]  # nothing of the action's TwiML is heard
    (voicemail,) = transcript.sent_to("/twilio/voicemail")
    assert voicemail["Digits"] == "hangup"
    (transcription,) = transcript.sent_to("/twilio/transcription")
    assert transcription["RecordingSid"] == voicemail["RecordingSid"]
    assert transcription["TranscriptionStatus"] == "completed"
    assert transcript.requests[-1].path == "/twilio/status"


async def test_a_dial_reports_the_finished_conversation_to_its_action(serve: Any) -> None:
    server = await serve(
        **{
            "/twilio/voice": lambda form: twiml(
                '<Dial action="/twilio/dialled"><Number>+4922419000999</Number><Client>anna</Client></Dial>'
            ),
            "/twilio/dialled": lambda form: twiml("<Say>Auf Wiederhören.</Say>"),
        }
    )

    transcript = await call(server)

    assert transcript.texts() == [
        "Dial: Number +4922419000999, Client anna",
        "Say: Auf Wiederhören.",
        "Hangup (end of TwiML)",
    ]
    (dialled,) = transcript.sent_to("/twilio/dialled")
    assert dialled["DialCallStatus"] == "completed"
    assert int(dialled["DialCallDuration"]) > 0


async def test_a_rejected_call_ends_without_a_status_callback(serve: Any) -> None:
    server = await serve(**{"/twilio/voice": lambda form: twiml('<Reject reason="busy"/>')})

    transcript = await call(server)

    assert transcript.texts() == ["Reject (busy)"]
    assert [request.path for request in transcript.requests] == ["/twilio/voice"]


@pytest.mark.parametrize(
    ("verbs", "error"),
    [
        ("<Leave/>", "Error: invalid TwiML from /twilio/voice: <Leave> is not allowed here"),
        (
            '<Pause length="soon"/>',
            'Error: invalid TwiML from /twilio/voice: <Pause length="soon">: not a whole number',
        ),
        (
            "<Redirect>https://elsewhere.example.org/twiml</Redirect>",
            "Error: cannot follow https://elsewhere.example.org/twiml: "
            "it is not below the public URL https://hotline.example.org",
        ),
    ],
    ids=["verb out of place", "bad attribute", "URL elsewhere"],
)
async def test_twiml_twilio_would_refuse_is_an_error(serve: Any, verbs: str, error: str) -> None:
    server = await serve(**{"/twilio/voice": lambda form: twiml(verbs)})

    transcript = await call(server)

    assert transcript.errors == [error]


async def test_transcript_numbers_each_line_by_its_request(serve: Any) -> None:
    server = await serve()

    transcript = await call(server, "1", "1")

    assert transcript.render().splitlines()[:4] == [
        "1  Say (de-DE, Polly.Vicki): Für Deutsch drücken Sie die 1.",
        "1  Say (en-GB): For English press 2.",
        "1  Press: 1",
        "3  Enqueue: siegburg",
    ]
    assert transcript.render(with_requests=True).splitlines()[:5] == [
        "1  → POST /twilio/voice",
        "1  Say (de-DE, Polly.Vicki): Für Deutsch drücken Sie die 1.",
        "1  Say (en-GB): For English press 2.",
        "1  Press: 1",
        "2  → POST /twilio/language  Digits=1",
    ]


async def test_a_session_of_the_callers_is_used_and_left_open(serve: Any) -> None:
    server = await serve()

    async with aiohttp.ClientSession() as session:
        transcript = await call(server, "1", "1", session=session)
        assert not session.closed

    assert transcript.errors == []
