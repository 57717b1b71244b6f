"""Fuzzing every webhook and every public form over real HTTP: random fields, encodings, content
types and sizes. Never a 5xx; every voice answer is TwiML; nothing is stored from an unsigned request.

The app runs on a loopback port in a thread of its own (its own event loop), so Hypothesis drives
it with plain blocking HTTP. Bounded by HOTLINE_FUZZ_EXAMPLES per test; seeded where
HOTLINE_FUZZ_SEED is set (CI sets it, so a red run can be repeated).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import json
import os
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from multidict import MultiDict
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from callbacks.models import Concern
from contacts.models import ContactEvent
from migrations.runner import upgrade
from service.app import Overrides, create_app
from storage.engine import create_engine
from telephony.inbound.models import Call
from tests.support import ManualClock, make_settings

T = TypeVar("T")
EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "150"))
SEED = os.environ.get("HOTLINE_FUZZ_SEED")
OPEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # Thursday 10:30 in Siegburg: lines open
HOTLINES = ["+4922419000100", "+4922439000400", "+4930999999", "", "client:anna", "+49 2241 9000 100"]
TWILIO_FIELDS = [
    "CallSid", "To", "From", "Digits", "CallStatus", "CallDuration", "QueueResult", "QueueTime", "QueuePosition",
    "AvgQueueTime", "DequeingCallSid", "DialCallStatus", "DialCallSid", "AnsweredBy", "RecordingSid", "RecordingUrl",
    "RecordingDuration", "RecordingStatus", "TranscriptionStatus", "TranscriptionText", "MessageSid", "Body",
]  # fmt: skip
FORM_FIELDS = ["csrf_token", "username", "password", "next", "topic", "phone", "message", "consent", "form_id",
               "window_day", "window_from", "window_to", "website", "language"]  # fmt: skip
ENCODINGS = ["utf-8", "latin-1", "utf-16", "cp1252", "broken"]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/x-www-form-urlencoded; charset=bogus",
    "application/x-www-form-urlencoded; charset=utf-16",
    "multipart/form-data",
    "multipart/form-data; boundary=zzz",
    "application/json",
    "text/plain",
    "",
]
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def seeded(test: Callable[..., None]) -> Callable[..., None]:
    return seed(int(SEED))(test) if SEED else test


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes


class ServedApp:
    """The real app on a loopback port, served from a thread with its own event loop."""

    def __init__(self, tmp_path: Path) -> None:
        self.settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'fuzz.db'}")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.requests = 0
        self.statuses: dict[int, int] = {}
        self.app = self.run(self._start())

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=60)

    async def _start(self) -> web.Application:
        self.engine = create_engine(self.settings.database_url)
        await upgrade(self.engine)
        overrides = Overrides(clock=ManualClock(OPEN), engine=self.engine, run_jobs=False)
        app = create_app(self.settings, overrides=overrides)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]
        return app

    def stop(self) -> None:
        self.run(self.runner.cleanup())
        self.run(self.engine.dispose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.getheader("Content-Type", ""), response.read())
        finally:
            connection.close()
        self.requests += 1
        self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
        return answer

    def count(self, model: type[Any]) -> int:
        async def counted() -> int:
            async with self.engine.connect() as connection:
                return int(await connection.scalar(select(func.count()).select_from(model)) or 0)

        return self.run(counted())

    def paths(self, prefix: str) -> list[str]:
        return sorted({r.canonical for r in self.app.router.resources() if r.canonical.startswith(prefix)})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    app = ServedApp(tmp_path_factory.mktemp("fuzz"))
    yield app
    print(f"\nfuzz: {app.requests} requests, statuses {dict(sorted(app.statuses.items()))}")
    app.stop()


def encode(fields: list[tuple[str, str]], encoding: str, content_type: str) -> bytes:
    if content_type.startswith("application/json"):
        return json.dumps(dict(fields)).encode()
    if encoding == "broken":
        return urlencode(fields).encode() + b"&x=\xff\xfe%FF"
    if content_type.startswith("multipart"):
        parts = [f'--zzz\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields]
        return ("".join(parts) + "--zzz--\r\n").encode(encoding, errors="replace")
    return urlencode(fields, encoding=encoding, errors="replace").encode("ascii")


values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["²", "1" * 20, "-1", "0", "1", "2", "3", "#", "completed", "leave", "hangup", "bridged"]),
    st.sampled_from(HOTLINES),
    st.from_regex(r"(CA|RE|SM)[0-9a-f]{32}", fullmatch=True),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=5000),
)
queries = st.dictionaries(st.sampled_from(["lang", "attempt", "user", "region", "step", "staff"]), values, max_size=3)


@st.composite
def webhook_requests(draw: st.DrawFn, paths: list[str]) -> tuple[str, list[tuple[str, str]], str, str]:
    path = draw(st.sampled_from(paths))
    query = draw(queries)
    if query:
        path += "?" + urlencode({k: v[:60] for k, v in query.items()}, quote_via=quote)
    fields = draw(st.lists(st.tuples(st.sampled_from(TWILIO_FIELDS) | st.text(max_size=10), values), max_size=12))
    if draw(st.booleans()):  # half of them reach deep: a real call to a real hotline
        fields = [("CallSid", "CA" + "ab" * 16), ("To", draw(st.sampled_from(HOTLINES[:2]))), *fields]
    # Most as Twilio sends them, so that many reach the handlers; the rest anyhow.
    encoding = draw(st.one_of(st.just("utf-8"), st.just("utf-8"), st.sampled_from(ENCODINGS)))
    content_type = draw(st.one_of(st.just(CONTENT_TYPES[0]), st.just(CONTENT_TYPES[0]), st.sampled_from(CONTENT_TYPES)))
    return path, fields, encoding, content_type


def test_signed_webhooks_with_anything_in_them_never_get_a_5xx_and_voice_answers_are_twiml(
    served: ServedApp,
) -> None:
    validator = RequestValidator(served.settings.webhook_auth_token)

    @FUZZ
    @seeded
    @given(st.data())
    def check(data: st.DataObject) -> None:
        path, fields, encoding, content_type = data.draw(webhook_requests(served.paths("/twilio/")))
        body = encode(fields, encoding, content_type)
        signature = validator.compute_signature(served.settings.public_url + path, MultiDict(fields))
        answer = served.post(path, body, {"Content-Type": content_type, "X-Twilio-Signature": signature})
        assert answer.status < 500, (path, answer)
        if answer.status == 200:
            assert answer.content_type.startswith("application/xml"), (path, answer)
            assert ET.fromstring(answer.body).tag == "Response"

    check()


def test_unsigned_webhooks_are_refused_and_store_nothing(served: ServedApp) -> None:
    before = [served.count(model) for model in (Call, ContactEvent, Concern)]

    @FUZZ
    @seeded
    @given(st.data())
    def check(data: st.DataObject) -> None:
        path, fields, encoding, content_type = data.draw(webhook_requests(served.paths("/twilio/")))
        headers = {"Content-Type": content_type}
        if data.draw(st.booleans()):
            # Printable only: a control character (a lone "\r") is refused by the HTTP client itself.
            signature = st.text(max_size=40).filter(lambda text: text.isascii() and text.isprintable())
            headers["X-Twilio-Signature"] = data.draw(signature)
        answer = served.post(path, encode(fields, encoding, content_type), headers)
        assert answer.status in (400, 403), (path, answer)

    check()
    assert [served.count(model) for model in (Call, ContactEvent, Concern)] == before


def test_public_forms_with_anything_in_them_never_get_a_5xx(served: ServedApp) -> None:
    paths = [
        "/login",
        "/logout",
        "/kontakt/siegburg/senden",
        "/kontakt/nowhere/senden",
        "/desk",
        "/worklist/next",
        "/api/concerns",
    ]
    before = served.count(Concern)

    @FUZZ
    @seeded
    @given(
        st.sampled_from(paths),
        st.lists(st.tuples(st.sampled_from(FORM_FIELDS) | st.text(max_size=10), values), max_size=12),
        st.sampled_from(ENCODINGS),
        st.sampled_from(CONTENT_TYPES),
    )
    def check(path: str, fields: list[tuple[str, str]], encoding: str, content_type: str) -> None:
        answer = served.post(path, encode(fields, encoding, content_type), {"Content-Type": content_type})
        assert answer.status < 500, (path, answer)

    check()
    assert served.count(Concern) == before  # without a CSRF token nothing is accepted
