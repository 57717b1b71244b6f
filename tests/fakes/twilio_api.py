"""A fake of the part of Twilio's REST API the outbound adapter uses, for `aiohttp_server`.

It checks basic auth, answers in Twilio's shapes, records every request, and fails the next
requests on demand. It is stricter than Twilio about form fields: it refuses any field or value
outside the sets below, and `tests/unit/test_twilio_contract.py` checks those sets against
Twilio's own API description, so the adapter cannot drift from the real API unnoticed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import email.utils
import ipaddress
import re
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDict

API = "/2010-04-01/Accounts/{account}"

CALL_FIELDS = frozenset({"To", "From", "Url", "StatusCallback", "StatusCallbackEvent", "Timeout", "MachineDetection"})
CALL_REQUIRED = frozenset({"To", "From", "Url"})
CALL_STATUS_EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})
MACHINE_DETECTION = frozenset({"Enable", "DetectMessageEnd"})
CALL_UPDATE_FIELDS = frozenset({"Status"})
CALL_UPDATE_STATUSES = frozenset({"canceled", "completed"})
MESSAGE_FIELDS = frozenset({"To", "From", "Body", "StatusCallback"})
MESSAGE_REQUIRED = frozenset({"To", "From", "Body"})

_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# Twilio's error codes for the statuses tests ask for, so bodies read like the real ones.
_ERRORS = {
    400: (21211, "Invalid 'To' Phone Number"),
    401: (20003, "Authenticate"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "An internal server error has occurred"),
    503: (20503, "Service Unavailable"),
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    form: MultiDict[str]
    status: int


@dataclass(frozen=True)
class _Failure:
    status: int
    code: int
    message: str


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def rfc2822(moment: dt.datetime) -> str:
    """Twilio's date notation, e.g. "Tue, 31 Aug 2010 20:36:28 +0000"."""
    return email.utils.format_datetime(moment.astimezone(dt.UTC)).replace("-0000", "+0000")


def error_document(status: int, code: int | None = None, message: str | None = None) -> dict[str, Any]:
    default_code, default_message = _ERRORS.get(status, (status, "Error"))
    code = code or default_code
    return {
        "code": code,
        "message": message or default_message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def call_document(account_sid: str, sid: str, to: str, from_: str, status: str, now: dt.datetime) -> dict[str, Any]:
    """A Call resource as Twilio answers it."""
    uri = f"/2010-04-01/Accounts/{account_sid}/Calls/{sid}"
    return {
        "sid": sid,
        "account_sid": account_sid,
        "parent_call_sid": None,
        "to": to,
        "to_formatted": to,
        "from": from_,
        "from_formatted": from_,
        "phone_number_sid": None,
        "status": status,
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "date_created": rfc2822(now),
        "date_updated": rfc2822(now),
        "start_time": None,
        "end_time": None,
        "duration": None,
        "price": None,
        "price_unit": "USD",
        "answered_by": None,
        "caller_name": None,
        "forwarded_from": None,
        "group_sid": None,
        "queue_time": "0",
        "trunk_sid": None,
        "uri": f"{uri}.json",
        "subresource_uris": {"recordings": f"{uri}/Recordings.json", "events": f"{uri}/Events.json"},
    }


def message_document(account_sid: str, sid: str, to: str, from_: str, body: str, now: dt.datetime) -> dict[str, Any]:
    """A Message resource as Twilio answers it."""
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    return {
        "sid": sid,
        "account_sid": account_sid,
        "to": to,
        "from": from_,
        "body": body,
        "status": "queued",
        "direction": "outbound-api",
        "num_segments": "1",
        "num_media": "0",
        "messaging_service_sid": None,
        "api_version": "2010-04-01",
        "date_created": rfc2822(now),
        "date_updated": rfc2822(now),
        "date_sent": None,
        "error_code": None,
        "error_message": None,
        "price": None,
        "price_unit": "USD",
        "uri": f"{uri}.json",
        "subresource_uris": {"media": f"{uri}/Media.json"},
    }


def _twilio_error(status: int, code: int | None = None, message: str | None = None) -> web.Response:
    return web.json_response(error_document(status, code, message), status=status)


@dataclass
class FakeTwilioApi:
    """The fake's state; `application()` builds the aiohttp app serving it."""

    account_sid: str
    auth_token: str
    requests: list[RecordedRequest] = field(default_factory=list)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    recordings: dict[str, bytes] = field(default_factory=dict)
    _failures: deque[_Failure] = field(default_factory=deque, init=False, repr=False)
    _stalls: int = field(default=0, init=False, repr=False)
    _released: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def fail_next(self, count: int, status: int, *, code: int | None = None, message: str | None = None) -> None:
        """Answer the next `count` requests (after authentication) with this error."""
        document = error_document(status, code, message)
        self._failures.extend(_Failure(status, document["code"], document["message"]) for _ in range(count))

    def stall_next(self, count: int) -> None:
        """Leave the next `count` requests unanswered until `release()`, to test timeouts."""
        self._stalls += count

    def release(self) -> None:
        """Let stalled requests finish (the server cannot shut down while they wait)."""
        self._released.set()

    def add_recording(self, data: bytes) -> str:
        sid = new_sid("RE")
        self.recordings[sid] = data
        return sid

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(
            [
                web.post(f"{API}/Calls.json", self._create_call),
                web.post(API + "/Calls/{call}.json", self._update_call),
                web.post(f"{API}/Messages.json", self._create_message),
                web.get(API + "/Recordings/{recording}.mp3", self._recording_media),
                web.delete(API + "/Recordings/{recording}.json", self._delete_recording),
            ]
        )
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        form = MultiDict[str]()
        if request.method == "POST":
            form.extend((name, str(value)) for name, value in (await request.post()).items())
        response = await self._answer(request, handler)
        self.requests.append(RecordedRequest(request.method, request.path, form, response.status))
        return response

    async def _answer(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.remote or not ipaddress.ip_address(request.remote).is_loopback:
            return _twilio_error(403, 20403, "this fake answers on loopback only")
        if not self._authenticated(request.headers.get("Authorization", "")):
            return _twilio_error(401)
        if request.match_info.get("account") != self.account_sid:
            return _twilio_error(404)
        if self._failures:
            failure = self._failures.popleft()
            return _twilio_error(failure.status, failure.code, failure.message)
        if self._stalls:
            self._stalls -= 1
            await self._released.wait()
            return _twilio_error(503)
        response: web.StreamResponse = await handler(request)
        return response

    def _authenticated(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return scheme == "Basic" and secrets.compare_digest(decoded, f"{self.account_sid}:{self.auth_token}")

    async def _create_call(self, request: web.Request) -> web.Response:
        form = await request.post()
        if refusal := _refuse_fields(form, CALL_FIELDS, CALL_REQUIRED):
            return refusal
        if not set(form.getall("StatusCallbackEvent", [])) <= CALL_STATUS_EVENTS:
            return _twilio_error(400, 20001, "Invalid StatusCallbackEvent")
        if form.get("MachineDetection", "Enable") not in MACHINE_DETECTION:
            return _twilio_error(400, 20001, "Invalid MachineDetection")
        if not str(form.get("Timeout", "60")).isdigit():
            return _twilio_error(400, 20001, "Invalid Timeout")
        sid = new_sid("CA")
        self.calls[sid] = call_document(
            self.account_sid, sid, str(form["To"]), str(form["From"]), "queued", dt.datetime.now(dt.UTC)
        )
        return web.json_response(self.calls[sid], status=201)

    async def _update_call(self, request: web.Request) -> web.Response:
        form = await request.post()
        call = self.calls.get(request.match_info["call"])
        if call is None:
            return _twilio_error(404)
        if refusal := _refuse_fields(form, CALL_UPDATE_FIELDS, frozenset()):
            return refusal
        if "Status" in form:
            if form["Status"] not in CALL_UPDATE_STATUSES:
                return _twilio_error(400, 20001, "Invalid Status")
            call["status"] = form["Status"]
        return web.json_response(call)

    async def _create_message(self, request: web.Request) -> web.Response:
        form = await request.post()
        if refusal := _refuse_fields(form, MESSAGE_FIELDS, MESSAGE_REQUIRED):
            return refusal
        sid = new_sid("SM")
        to, from_, body = str(form["To"]), str(form["From"]), str(form["Body"])
        self.messages[sid] = message_document(self.account_sid, sid, to, from_, body, dt.datetime.now(dt.UTC))
        return web.json_response(self.messages[sid], status=201)

    async def _recording_media(self, request: web.Request) -> web.Response:
        data = self.recordings.get(request.match_info["recording"])
        if data is None:
            return _twilio_error(404)
        return web.Response(body=data, content_type="audio/mpeg")

    async def _delete_recording(self, request: web.Request) -> web.Response:
        if self.recordings.pop(request.match_info["recording"], None) is None:
            return _twilio_error(404)
        return web.Response(status=204)


def _refuse_fields(form: Any, allowed: frozenset[str], required: frozenset[str]) -> web.Response | None:
    unknown = set(form) - allowed
    if unknown:
        return _twilio_error(400, 20001, f"this fake does not know the parameters {sorted(unknown)}")
    missing = required - set(form)
    if missing:
        return _twilio_error(400, 21201 if "To" in missing else 20001, f"missing parameters {sorted(missing)}")
    if "To" in form and not _E164.fullmatch(str(form["To"])):
        return _twilio_error(400)  # 21211, Invalid 'To' Phone Number
    return None
