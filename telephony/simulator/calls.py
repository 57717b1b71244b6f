"""Plays Twilio against a running service: signed webhooks out, TwiML followed, a transcript back.

Planners use it to hear what a caller hears; tests use it end to end. It imitates what the service
relies on, not all of Twilio: each webhook is signed over the public URL as Twilio signs it, the
caller presses the given keys at each <Gather> in turn, speaks for 12 seconds at a <Record> and
finishes with "#", waits a few rounds in a queue, and every dialled party answers. Anything the
service answers that Twilio could not play (a status other than 200, no XML, a verb out of place)
becomes an error line, and the call ends as Twilio would end it: with the status callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import math
import secrets
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import urlencode, urljoin, urlsplit

import aiohttp
from twilio.request_validator import RequestValidator

from telephony.simulator.transcript import Event, Line, SentRequest, Transcript

__all__ = ["Transcript", "run_simulation", "simulate_call"]

VOICE_PATH = "/twilio/voice"
STATUS_PATH = "/twilio/status"
API_VERSION = "2010-04-01"
# Twilio gives up on a webhook after 15 seconds and plays its application-error message.
WEBHOOK_TIMEOUT = aiohttp.ClientTimeout(total=15)

# Made-up durations, in seconds: enough to make CallDuration and QueueTime plausible.
SPOKEN_CHARACTERS_PER_SECOND = 15
PLAY_SECONDS = 10
RECORDING_SECONDS = 12
DIAL_SECONDS = 60
QUEUE_ROUND_SECONDS = 30
AVERAGE_QUEUE_SECONDS = 90
GATHER_TIMEOUT_SECONDS = 5

# Twilio's defaults where a verb leaves the attribute out.
RECORD_FINISH_KEYS = "1234567890*#"
RECORD_MAX_LENGTH = 3600


async def simulate_call(
    *,
    base_url: str,
    public_url: str,
    auth_token: str,
    account_sid: str,
    to: str,
    from_: str,
    presses: Sequence[str],
    session: aiohttp.ClientSession | None = None,
    max_steps: int = 60,
    queue_rounds: int = 3,
) -> Transcript:
    """Call the service at `base_url` as Twilio would, pressing `presses` in turn, and say what happened."""
    if max_steps < 1 or queue_rounds < 0:
        raise ValueError("max_steps must be at least 1 and queue_rounds at least 0")
    for name, url in (("base_url", base_url), ("public_url", public_url)):
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise ValueError(f"{name} must be an absolute http(s) URL, not {url!r}")
    async with contextlib.AsyncExitStack() as stack:
        http = session if session is not None else await stack.enter_async_context(aiohttp.ClientSession())
        call = _Call(
            http=http,
            base_url=base_url,
            public_url=public_url,
            validator=RequestValidator(auth_token),
            account_sid=account_sid,
            to=to,
            from_=from_,
            presses=presses,
            max_steps=max_steps,
            queue_rounds=queue_rounds,
        )
        await call.run()
    return call.transcript()


def run_simulation(
    *,
    base_url: str,
    public_url: str,
    auth_token: str,
    account_sid: str,
    to: str,
    from_: str,
    presses: Sequence[str],
    max_steps: int = 60,
    queue_rounds: int = 3,
) -> Transcript:
    """`simulate_call` for synchronous callers such as the command line."""
    return asyncio.run(
        simulate_call(
            base_url=base_url,
            public_url=public_url,
            auth_token=auth_token,
            account_sid=account_sid,
            to=to,
            from_=from_,
            presses=presses,
            max_steps=max_steps,
            queue_rounds=queue_rounds,
        )
    )


@dataclass(frozen=True)
class _Document:
    """A TwiML document, the public URL it came from (relative URLs resolve against it) and its step."""

    url: str
    verbs: tuple[ET.Element, ...]
    step: int


class _Signal(enum.Enum):
    """How playing documents ended, when it did not lead to another document."""

    END_OF_DOCUMENT = enum.auto()  # no verbs left: Twilio hangs up, or plays the wait URL again
    LEFT_QUEUE = enum.auto()
    HUNG_UP_IN_QUEUE = enum.auto()
    OVER = enum.auto()  # the call has ended and its last lines are written


# What a verb leads to: None goes on with the next verb; a document replaces the current one.
_Outcome: TypeAlias = _Document | _Signal | None
_Verb: TypeAlias = Callable[[ET.Element, _Document], Awaitable[_Outcome]]


class _InvalidTwiML(Exception):
    """A document Twilio would refuse to play; the message says what is wrong."""


@dataclass(frozen=True)
class _Heard:
    """What the caller hears from one <Say>, <Play> or <Pause>, and how long it takes."""

    event: Event
    text: str
    content: str
    seconds: int


class _Call:
    """One simulated call: its webhooks, its clock, the keys still to press and the lines so far."""

    def __init__(
        self,
        *,
        http: aiohttp.ClientSession,
        base_url: str,
        public_url: str,
        validator: RequestValidator,
        account_sid: str,
        to: str,
        from_: str,
        presses: Sequence[str],
        max_steps: int,
        queue_rounds: int,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._public_url = public_url.rstrip("/")
        self._validator = validator
        self._presses = deque(presses)
        self._max_steps = max_steps
        self._queue_rounds = queue_rounds
        self._account_sid = account_sid
        self._call_sid = _sid("CA")
        self._call_fields = {
            "CallSid": self._call_sid,
            "AccountSid": account_sid,
            "From": from_,
            "To": to,
            "Caller": from_,
            "Called": to,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": API_VERSION,
        }
        self._lines: list[Line] = []
        self._requests: list[SentRequest] = []
        self._steps = 0
        self._at = 0  # the step new lines belong to: the request sent, or the document playing
        self._seconds = 0
        self._stopped = False
        self._call_verbs: dict[str, _Verb] = {
            "Say": self._hear,
            "Play": self._hear,
            "Pause": self._hear,
            "Gather": self._gather,
            "Redirect": self._redirect,
            "Enqueue": self._enqueue,
            "Record": self._record,
            "Dial": self._dial,
            "Hangup": self._hangup,
            "Reject": self._reject,
        }
        # Twilio allows only these in a queue's wait document; Leave and Hangup end the waiting.
        self._wait_verbs: dict[str, _Verb] = {
            "Say": self._hear,
            "Play": self._hear,
            "Pause": self._hear,
            "Gather": self._gather,
            "Redirect": self._redirect,
            "Leave": self._leave,
            "Hangup": self._hangup_in_queue,
        }

    def transcript(self) -> Transcript:
        return Transcript(call_sid=self._call_sid, lines=tuple(self._lines), requests=tuple(self._requests))

    async def run(self) -> None:
        first = await self._fetch(self._public_url + VOICE_PATH, {"CallStatus": "ringing"})
        if isinstance(first, _Document) and await self._play(first, self._call_verbs) is _Signal.END_OF_DOCUMENT:
            await self._end_call("Hangup (end of TwiML)")

    # Playing documents

    async def _play(self, document: _Document, verbs: Mapping[str, _Verb]) -> _Signal:
        """Play documents with the given verbs until one ends without leading to another."""
        outcome: _Document | _Signal = document
        while isinstance(outcome, _Document):
            outcome = await self._play_verbs(outcome, verbs)
        return outcome

    async def _play_verbs(self, document: _Document, verbs: Mapping[str, _Verb]) -> _Document | _Signal:
        for verb in document.verbs:
            self._at = document.step
            try:
                play = verbs.get(verb.tag)
                if play is None:
                    raise _InvalidTwiML(f"<{verb.tag}> is not allowed here")
                outcome = await play(verb, document)
            except _InvalidTwiML as problem:
                return await self._fail(f"invalid TwiML from {self._path(document.url)}: {problem}")
            if outcome is not None:
                return outcome
        return _Signal.END_OF_DOCUMENT

    async def _hear(self, verb: ET.Element, document: _Document) -> _Outcome:
        heard = _describe(verb)
        self._seconds += heard.seconds
        self._line(heard.event, heard.text, heard.content)
        return None

    async def _gather(self, verb: ET.Element, document: _Document) -> _Outcome:
        action = self._resolve(document, verb.get("action"))
        method = _method(verb)
        timeout = _int_attribute(verb, "timeout", GATHER_TIMEOUT_SECONDS)
        for prompt in verb:
            if prompt.tag not in ("Say", "Play", "Pause"):
                raise _InvalidTwiML(f"<{prompt.tag}> is not allowed in <Gather>")
            await self._hear(prompt, document)
        if self._presses:
            press = self._presses.popleft()
            self._line(Event.PRESS, f"Press: {press}", press)
            return await self._fetch(action, {"Digits": _digits(press, verb)}, method)
        # Without input Twilio goes on with the next verb, unless told to report the silence.
        self._seconds += timeout
        self._line(Event.NO_PRESS, "(no key pressed)")
        if verb.get("actionOnEmptyResult") == "true":
            return await self._fetch(action, {"Digits": ""}, method)
        return None

    async def _redirect(self, verb: ET.Element, document: _Document) -> _Outcome:
        if not _text(verb):
            raise _InvalidTwiML("<Redirect> without a URL")
        return await self._fetch(self._resolve(document, _text(verb)), {}, _method(verb))

    async def _hangup(self, verb: ET.Element, document: _Document) -> _Outcome:
        return await self._end_call("Hangup")

    async def _reject(self, verb: ET.Element, document: _Document) -> _Outcome:
        reason = verb.get("reason")
        self._line(Event.REJECT, f"Reject ({reason})" if reason else "Reject", reason or "")
        return _Signal.OVER

    # The queue

    async def _enqueue(self, verb: ET.Element, document: _Document) -> _Outcome:
        queue = _text(verb)
        method = _method(verb)
        self._line(Event.ENQUEUE, f"Enqueue: {queue}", queue)
        queue_sid = _sid("QU")
        entered = self._seconds
        result = await self._wait_in_queue(verb, document, queue_sid)
        if result is _Signal.OVER:
            return result
        action = verb.get("action")
        outcome = {"QueueSid": queue_sid, "QueueTime": str(self._seconds - entered)}
        if result is _Signal.LEFT_QUEUE:
            if action is None:
                return None  # Twilio goes on with the verb after <Enqueue>
            return await self._fetch(self._resolve(document, action), {**outcome, "QueueResult": "leave"}, method)
        # The caller is gone: Twilio reports it to the action but plays nothing it answers.
        if action is not None:
            hung_up = self._with_call({**outcome, "QueueResult": "hangup"})
            await self._notify(self._resolve(document, action), hung_up, method)
        return await self._end_call()

    async def _wait_in_queue(self, verb: ET.Element, document: _Document, queue_sid: str) -> _Signal:
        """Play the wait URL up to `queue_rounds` times, as Twilio does while nobody answers."""
        wait_reference = verb.get("waitUrl")
        wait_url = self._resolve(document, wait_reference) if wait_reference else None
        wait_method = _method(verb, "waitUrlMethod")
        entered = self._seconds
        if not wait_url:
            self._line(Event.PLAY, "Play: (Twilio's hold music)", "")
        for round_ in range(self._queue_rounds):
            if wait_url:
                result = await self._play_wait_document(wait_url, wait_method, queue_sid, round_)
                if result is not _Signal.END_OF_DOCUMENT:
                    return result
            # However short the wait document, a round lasts as long as the QueueTime says.
            self._seconds = max(self._seconds, entered + (round_ + 1) * QUEUE_ROUND_SECONDS)
        self._line(Event.CALLER_HANGS_UP, "(caller hangs up while waiting)")
        return _Signal.HUNG_UP_IN_QUEUE

    async def _play_wait_document(self, url: str, method: str, queue_sid: str, round_: int) -> _Signal:
        # The caller moves up one place a round; the queue holds nobody behind them.
        position = str(max(1, self._queue_rounds - round_))
        fields = {
            "QueuePosition": position,
            "QueueSid": queue_sid,
            "QueueTime": str(round_ * QUEUE_ROUND_SECONDS),
            "AvgQueueTime": str(AVERAGE_QUEUE_SECONDS),
            "CurrentQueueSize": position,
        }
        wait_document = await self._fetch(url, fields, method)
        if isinstance(wait_document, _Signal):
            return wait_document
        return await self._play(wait_document, self._wait_verbs)

    async def _leave(self, verb: ET.Element, document: _Document) -> _Outcome:
        self._line(Event.LEAVE, "Leave")
        return _Signal.LEFT_QUEUE

    async def _hangup_in_queue(self, verb: ET.Element, document: _Document) -> _Outcome:
        self._line(Event.HANGUP, "Hangup")
        return _Signal.HUNG_UP_IN_QUEUE

    # Recording and dialling

    async def _record(self, verb: ET.Element, document: _Document) -> _Outcome:
        seconds = min(RECORDING_SECONDS, _int_attribute(verb, "maxLength", RECORD_MAX_LENGTH))
        action = self._resolve(document, verb.get("action"))
        method = _method(verb)
        status_method = _method(verb, "recordingStatusCallbackMethod")
        # The caller ends with "#" where that finishes the recording, else by hanging up.
        finish_keys = verb.get("finishOnKey", RECORD_FINISH_KEYS)
        digits = "#" if "#" in finish_keys else "hangup"
        self._seconds += seconds
        self._line(Event.RECORD, f"Record: (caller speaks {seconds} s)", str(seconds))
        recording_sid = _sid("RE")
        recording = {
            "RecordingUrl": f"https://api.twilio.com/{API_VERSION}/Accounts/{self._account_sid}/Recordings/{recording_sid}",
            "RecordingSid": recording_sid,
            "RecordingDuration": str(seconds),
        }
        answer = await self._fetch(action, {**recording, "Digits": digits}, method)
        await self._report_recording(verb, document, recording, status_method)
        if digits == "hangup" and answer is not _Signal.OVER:
            return await self._end_call()  # Twilio plays nothing to a caller who has hung up
        return answer

    async def _report_recording(
        self, verb: ET.Element, document: _Document, recording: Mapping[str, str], status_method: str
    ) -> None:
        """The callbacks Twilio sends once the recording (and its transcription) is ready."""
        ids = {"CallSid": self._call_sid, "AccountSid": self._account_sid}
        status_callback = verb.get("recordingStatusCallback")
        if status_callback:
            await self._notify(
                self._resolve(document, status_callback),
                {**recording, **ids, "RecordingStatus": "completed"},
                status_method,
            )
        transcribe_callback = verb.get("transcribeCallback")
        if transcribe_callback:
            transcription_sid = _sid("TR")
            await self._notify(
                self._resolve(document, transcribe_callback),
                {
                    **recording,
                    **ids,
                    "TranscriptionSid": transcription_sid,
                    "TranscriptionText": "(simulated transcription)",
                    "TranscriptionStatus": "completed",
                    "TranscriptionUrl": f"https://api.twilio.com/{API_VERSION}/Accounts/{self._account_sid}"
                    f"/Transcriptions/{transcription_sid}",
                },
            )

    async def _dial(self, verb: ET.Element, document: _Document) -> _Outcome:
        method = _method(verb)
        nouns = [f"{noun.tag} {_text(noun)}" for noun in verb]
        # A number as the Dial's own text, or nouns inside it (<Number>, <Client>, <Queue>...).
        target = " ".join((verb.text or "").split()) or ", ".join(nouns)
        if not target:
            raise _InvalidTwiML("<Dial> without a number")
        self._seconds += DIAL_SECONDS
        self._line(Event.DIAL, f"Dial: {target}", target)
        action = verb.get("action")
        if action is None:
            return None  # after the other party hangs up, Twilio goes on with the next verb
        dialled = {"DialCallStatus": "completed", "DialCallDuration": str(DIAL_SECONDS), "DialCallSid": _sid("CA")}
        return await self._fetch(self._resolve(document, action), dialled, method)

    # The end of the call

    async def _end_call(self, line: str | None = None) -> _Signal:
        """Write the closing line, if any, and post the status callback Twilio sends when a call ends."""
        if line is not None:
            self._line(Event.HANGUP, line)
        completed = {"CallStatus": "completed", "CallDuration": str(self._seconds)}
        await self._notify(self._public_url + STATUS_PATH, self._with_call(completed))
        return _Signal.OVER

    async def _fail(self, problem: str) -> _Signal:
        """Twilio plays its application-error message and hangs up; the transcript says why."""
        self._line(Event.ERROR, f"Error: {problem}")
        return await self._end_call()

    # Webhooks

    async def _fetch(self, url: str, fields: Mapping[str, str], method: str = "POST") -> _Document | _Signal:
        """Send a webhook whose answer is TwiML to play; anything else ends the call."""
        answer = await self._send(url, self._with_call(fields), method)
        if answer is None:
            return _Signal.OVER
        status, body = answer
        where = f"{method} {self._path(url)}"
        if status != 200:
            return await self._fail(f"{where} answered {status}")
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return await self._fail(f"{where} answered no XML: {_excerpt(body)!r}")
        if root.tag != "Response":
            return await self._fail(f"{where} answered <{root.tag}>, not <Response>")
        return _Document(url=url, verbs=tuple(root), step=self._steps)

    async def _notify(self, url: str, fields: Mapping[str, str], method: str = "POST") -> None:
        """Send a callback whose answer Twilio ignores, as long as it is a success."""
        answer = await self._send(url, fields, method)
        if answer is not None and not 200 <= answer[0] < 300:
            self._line(Event.ERROR, f"Error: {method} {self._path(url)} answered {answer[0]}")

    async def _send(self, url: str, fields: Mapping[str, str], method: str) -> tuple[int, str] | None:
        """Sign and send one webhook; None when it could not be sent or got no answer (the line says why)."""
        if self._stopped:
            return None
        if self._steps >= self._max_steps:
            self._stopped = True
            self._line(Event.STOPPED, f"(stopped after {self._steps} requests)")
            return None
        target = self._target(url)
        if target is None:
            self._line(Event.ERROR, f"Error: cannot follow {url}: it is not below the public URL {self._public_url}")
            return None
        # Twilio puts a GET's fields in the query and signs the URL alone; a POST's form is signed too.
        signed_fields = fields if method == "POST" else {}
        if method == "GET":
            url, target = _with_query(url, fields), _with_query(target, fields)
        self._steps += 1
        self._at = self._steps
        request = SentRequest(path=self._path(url), fields=dict(fields))
        self._requests.append(request)
        added = " ".join(f"{name}={value}" for name, value in request.added_fields().items())
        self._line(Event.REQUEST, f"→ {method} {request.path}  {added}".rstrip())
        headers = {"X-Twilio-Signature": self._validator.compute_signature(url, signed_fields)}
        try:
            async with self._http.request(
                method,
                target,
                data=dict(signed_fields) or None,
                headers=headers,
                allow_redirects=False,  # Twilio plays what the webhook answers; a redirect to a login page is a bug
                timeout=WEBHOOK_TIMEOUT,
            ) as response:
                return response.status, await response.text()
        except TimeoutError:
            self._line(Event.ERROR, f"Error: {method} {request.path} gave no answer within 15 s")
        except aiohttp.ClientError as exc:
            self._line(Event.ERROR, f"Error: {method} {request.path} failed: {exc}")
        return None

    # Helpers

    def _with_call(self, fields: Mapping[str, str]) -> dict[str, str]:
        return {**self._call_fields, **fields}

    def _resolve(self, document: _Document, reference: str | None) -> str:
        """A URL from TwiML, made absolute; without one, Twilio requests the current document again."""
        return urljoin(document.url, reference) if reference else document.url

    def _target(self, public: str) -> str | None:
        """Where to send a request Twilio would send to `public`; None if that is not the service."""
        rest = public[len(self._public_url) :]
        if not public.startswith(self._public_url) or rest[:1] not in ("", "/", "?"):
            return None
        return self._base_url + rest

    def _path(self, public: str) -> str:
        """The path and query the service sees; a URL elsewhere stays whole."""
        if self._target(public) is None:
            return public
        rest = public[len(self._public_url) :]
        return rest if rest.startswith("/") else "/" + rest

    def _line(self, event: Event, text: str, content: str = "") -> None:
        self._lines.append(Line(step=self._at, event=event, text=text, content=content))


def _describe(verb: ET.Element) -> _Heard:
    """Describe a <Say>, <Play> or <Pause> as the caller hears it."""
    if verb.tag == "Pause":
        seconds = _int_attribute(verb, "length", 1)
        return _Heard(Event.PAUSE, f"Pause: {seconds}s", str(seconds), seconds)
    # Twilio repeats loop="0" until something interrupts it; count it as played once.
    loops = max(1, _int_attribute(verb, "loop", 1))
    content = _text(verb)
    if verb.tag == "Say":
        details = _details(verb, ("language", "voice", "loop"))
        seconds = math.ceil(len(content) / SPOKEN_CHARACTERS_PER_SECOND)
        return _Heard(Event.SAY, f"Say{details}: {content}", content, loops * max(1, seconds))
    return _Heard(Event.PLAY, f"Play{_details(verb, ('loop',))}: {content}", content, loops * PLAY_SECONDS)


def _details(verb: ET.Element, names: tuple[str, ...]) -> str:
    """The attributes worth showing, e.g. ' (de-DE, Polly.Vicki, loop 2)'; '' if none is set."""
    shown = [f"loop {verb.get(name)}" if name == "loop" else str(verb.get(name)) for name in names if verb.get(name)]
    return f" ({', '.join(shown)})" if shown else ""


def _digits(press: str, gather: ET.Element) -> str:
    """What Twilio reports for a key press: up to the finishing key, at most numDigits of them."""
    finish_key = gather.get("finishOnKey", "#")
    digits = press.partition(finish_key)[0] if finish_key else press
    limit = _int_attribute(gather, "numDigits", 0)
    return digits[:limit] if limit > 0 else digits


def _method(verb: ET.Element, attribute: str = "method") -> str:
    method = verb.get(attribute, "POST").upper()
    if method not in ("GET", "POST"):
        raise _InvalidTwiML(f'<{verb.tag} {attribute}="{method}">: only GET and POST')
    return method


def _int_attribute(verb: ET.Element, name: str, default: int) -> int:
    value = verb.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise _InvalidTwiML(f'<{verb.tag} {name}="{value}">: not a whole number') from None


def _text(element: ET.Element) -> str:
    """The element's text with SSML tags dropped and white space collapsed."""
    return " ".join("".join(element.itertext()).split())


def _excerpt(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= 60 else flat[:57] + "..."


def _with_query(url: str, fields: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(fields)) if part)
    return parts._replace(query=query).geturl()


def _sid(prefix: str) -> str:
    """A Twilio-shaped id: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)
