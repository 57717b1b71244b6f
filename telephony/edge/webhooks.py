"""The one webhook edge: every request under /twilio/ passes here, today's routes and those to come.

In order: the body is decoded safely (400 if it cannot be), the signature checked (403), Twilio's
fields parsed once into a typed `Webhook`, and the handler run against a deadline. Whatever the
handler does (raise, hang on a locked database) Twilio gets valid TwiML with status 200 in time:
a caller hears the fallback answer built from the deployment file alone, a counsellor a short
apology, and any other webhook an empty <Response/>. Work that failed on the database or ran past
the deadline is handed to `LateWork`, which finishes or retries it (handlers are idempotent, since
Twilio itself retries) or logs it as lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.typedefs import Middleware
from multidict import MultiDict
from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.twiml import TwiML

from routing import UnknownNumber
from storage.engine import is_transient
from telephony.edge.fields import Webhook
from telephony.edge.late_work import LateWork
from telephony.edge.responses import EMPTY, twiml_response

log = logging.getLogger("hotline.twilio")
WEBHOOK_PREFIX = "/twilio/"  # every path Twilio calls, and nothing a person opens
WEBHOOK = web.RequestKey("twilio_webhook", Webhook)
VOICE_DEADLINE_SECONDS = 2.5  # answered within 3 s: a caller waits in silence meanwhile (Twilio gives up at 15 s)
OTHER_DEADLINE_SECONDS = 10.0
MAX_FIELDS = 200  # Twilio sends about 30

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Answer = Literal["caller", "counsellor", "empty"]  # what Twilio gets when the handler cannot answer
H = TypeVar("H", bound=Callable[..., Awaitable[TwiML | str]])


class BadBody(ValueError):
    """A body that cannot be read as the form Twilio sends; the message says why."""


class MalformedWebhook(ValueError):
    """A signed webhook without the fields its step needs (a CallSid, a To)."""


# Refusals a handler may raise that need no traceback in the log: the answer covers them.
EXPECTED = (MalformedWebhook, UnknownNumber)


def webhook(answer: Answer = "empty") -> Callable[[H], Callable[..., Awaitable[web.Response]]]:
    """Mark a handler `(self, request, hook) -> TwiML` as a webhook; `answer` says what Twilio
    hears should it fail. The edge has parsed `hook` already."""

    def decorate(handler: H) -> Callable[..., Awaitable[web.Response]]:
        @functools.wraps(handler)
        async def run(self: object, request: web.Request) -> web.Response:
            return twiml_response(await handler(self, request, request[WEBHOOK]))

        run.webhook_answer = answer  # type: ignore[attr-defined]
        return run

    return decorate


@dataclass(frozen=True)
class FailureAnswers:
    """What the edge answers when a handler cannot: built without the database."""

    caller: Callable[[Webhook], TwiML | str]  # the fallback from the deployment file
    counsellor: Callable[[Webhook], TwiML | str]

    def for_(self, answer: Answer, hook: Webhook) -> str:
        if answer == "caller":
            return str(self.caller(hook))
        if answer == "counsellor":
            return str(self.counsellor(hook))
        return EMPTY


def webhook_edge(
    *,
    auth_token: str,
    public_url: str,
    answers: Callable[[], FailureAnswers],
    late_work: LateWork,
    request_id: Callable[[web.Request], str | None],
    voice_deadline: float = VOICE_DEADLINE_SECONDS,
    other_deadline: float = OTHER_DEADLINE_SECONDS,
    prefix: str = WEBHOOK_PREFIX,
) -> Middleware:
    """The middleware for every path under `prefix`: refusals before any handler runs, and an
    answer in time whatever the handler does. Where Twilio signed: `public_url` (never the internal
    host behind a proxy) and `auth_token`."""
    validator = RequestValidator(auth_token)

    @web.middleware
    async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(prefix):
            return await handler(request)
        started = asyncio.get_running_loop().time()
        context = {"path": request.path, "request_id": request_id(request)}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not signature.isascii():
            log.warning("twilio webhook without a signature refused", extra=context | {"remote": request.remote})
            return web.Response(status=403, text="invalid signature")
        try:
            form, signed_params = await read_body(request)
        except BadBody as exc:
            log.warning("twilio webhook with an unreadable body refused", extra=context | {"reason": str(exc)})
            return web.Response(status=400, text="unreadable body")
        url = public_url + request.path_qs
        algorithm = get_signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
        if not (
            _signed_as_configured(validator, url, signed_params, signature, algorithm)
            or validator.validate(url, signed_params, signature, algorithm)
        ):
            log.warning("twilio webhook with a wrong signature refused", extra=context | {"remote": request.remote})
            return web.Response(status=403, text="invalid signature")
        hook = Webhook.parse(form, request.query)
        request[WEBHOOK] = hook
        answer: Answer = getattr(request.match_info.handler, "webhook_answer", "empty")
        if request.match_info.http_exception is not None:
            return await handler(request)  # 404 or 405: nothing to answer for
        loop = asyncio.get_running_loop()
        context |= {"call": hook.call_sid}
        early = EarlyAnswer(request, lambda: _answer(request, answers().for_(answer, hook), request_id), late_work)
        deadline = voice_deadline if answer != "empty" else other_deadline
        timer = loop.call_at(started + deadline, early.send, context)
        try:
            async with asyncio.timeout_at(started + late_work.try_seconds):
                response = await handler(request)
        except asyncio.CancelledError:
            timer.cancel()
            if early.sent:
                # The connection closed after the early answer, and aiohttp (where it cancels
                # handlers whose connection is lost) took the handler with it: the work is not.
                late_work.retry_later(lambda: handler(request), context=context)
            early.handler_ended()  # after the retry is counted, so no one sees a moment of calm
            raise
        except Exception as exc:
            timer.cancel()
            if isinstance(exc, EXPECTED):
                log.warning("twilio webhook refused: %s", exc, extra=context | {"answer": answer})
            elif is_transient(exc):
                log.warning(
                    "twilio webhook failed on the database; answered without it, retrying",
                    extra=context | {"answer": answer, "error": type(exc).__name__},
                )
                late_work.retry_later(lambda: handler(request), context=context)
            else:
                log.exception("twilio webhook failed; answered without it", extra=context | {"answer": answer})
                late_work.lose(context, type(exc).__name__)
            early.handler_ended()
            return await early.response()
        timer.cancel()
        if not early.sent:
            return response
        late_work.done_late(context)
        early.handler_ended()
        return await early.response()  # what was sent at the deadline; the handler's is discarded

    return edge


class EarlyAnswer:
    """The answer Twilio gets if the handler is still at work at the deadline: written to the
    connection from a task of its own while the handler goes on, in the request's own task.
    (Running every handler as a task of its own instead, to walk away from it, cost 0.1 ms of
    CPU per webhook, a fifth of the whole; this costs a timer.)"""

    def __init__(self, request: web.Request, build: Callable[[], web.Response], late_work: LateWork) -> None:
        self.request = request
        self.build = build
        self.late_work = late_work
        self.answer: web.Response | None = None
        self._sending: asyncio.Task[None] | None = None

    @property
    def sent(self) -> bool:
        return self._sending is not None

    def send(self, context: dict[str, Any]) -> None:
        """The deadline passed: answer now. The connection closes after it, so nothing else
        Twilio sends waits behind the handler still at work."""
        log.warning("twilio webhook past its deadline; answered without it", extra=context)
        self.late_work.begin_late()
        self.answer = self.build()
        self.answer.force_close()
        self._sending = asyncio.get_running_loop().create_task(self._write(self.answer))

    def handler_ended(self) -> None:
        if self.sent:
            self.late_work.end_late()

    async def _write(self, answer: web.Response) -> None:
        with contextlib.suppress(ConnectionError):  # Twilio gave up: nothing to answer
            await answer.prepare(self.request)
            await answer.write_eof()

    async def response(self) -> web.Response:
        """What to hand back to aiohttp: the answer sent already (aiohttp sends nothing twice),
        or, the deadline not passed, the failure answer now."""
        if self._sending is None or self.answer is None:
            return self.build()
        await self._sending
        return self.answer


def _answer(request: web.Request, twiml: str, request_id: Callable[[web.Request], str | None]) -> web.Response:
    response = twiml_response(twiml)
    response.headers["X-Request-Id"] = request_id(request) or ""  # set here: it may leave before the middleware sees it
    return response


async def read_body(request: web.Request) -> tuple[MultiDict[str], MultiDict[str] | str]:
    """The form fields, and what the signature covers: the same fields, or the raw body where
    Twilio signs a body hash (`bodySHA256` in the URL, for JSON bodies)."""
    if request.method != "POST":
        return MultiDict(), MultiDict()
    charset = (request.charset or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise BadBody(f"charset {charset[:20]!r} is not UTF-8")
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody("the body is not UTF-8") from exc
    if "bodySHA256" in request.query:
        return MultiDict(), text
    if raw and request.content_type != "application/x-www-form-urlencoded":
        raise BadBody(f"content type {request.content_type[:40]!r} is not a form")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadBody("the form cannot be parsed") from exc
    form = MultiDict(pairs)
    return form, form


def _signed_as_configured(
    validator: RequestValidator, url: str, params: Mapping[str, Any] | str, signature: str, algorithm: str
) -> bool:
    """The common case in one HMAC: a form signed over the public URL exactly as configured.
    `validate` then covers the rest (the URL with or without its default port, body hashes,
    unknown algorithms) at twice the cost, so a forged request still gets the full check."""
    if isinstance(params, str):
        return False
    try:
        computed = validator.compute_signature(url, params, algorithm)
    except ValueError:  # an algorithm this library does not know; `validate` logs it
        return False
    return hmac.compare_digest(computed.encode(), signature.encode())
