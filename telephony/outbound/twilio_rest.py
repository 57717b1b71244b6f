"""The outbound port over Twilio's REST API, through the official `twilio` library."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.base.version import Version
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from telephony.outbound.port import CALL_STATUS_EVENTS, OutboundError, Recording, check_sid

TWILIO_API = "https://api.twilio.com"
_HTTP_ERRORS = (TwilioRestException, TwilioServiceException)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


def basic_auth(username: str, password: str) -> str:
    """The value of an HTTP basic `Authorization` header."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


class _HttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio ships no type hints
    """twilio's aiohttp client with two repairs: every request gets the client's timeout (the
    library passes none, which aiohttp takes as "wait forever"), and the credentials go as a
    header (aiohttp deprecates the `BasicAuth` object the library would build)."""

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  (the library's signature, kept)
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            headers["Authorization"] = basic_auth(*auth)
        return await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            timeout=timeout or self.timeout,
            allow_redirects=allow_redirects,
        )


class TwilioOutbound:
    """The outbound port over Twilio's REST API, retrying what may pass (5xx, 429, network).

    It opens an aiohttp session, so build it inside the running loop (an `app.cleanup_ctx`)
    and `close()` it there. `retries` counts the attempts after the first; the waits between
    them double from `backoff_seconds`.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base_url: str | None = None,
        retries: int = 3,
        backoff_seconds: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        request_timeout_seconds: float = 15.0,
    ) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._base_url = (api_base_url or TWILIO_API).rstrip("/")
        self._retries = retries
        self._backoff_seconds = backoff_seconds
        self._sleep = sleep
        self._timeout = request_timeout_seconds
        self._http = _HttpClient(timeout=request_timeout_seconds)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        if api_base_url:
            self._client.api.base_url = self._base_url
            # Edge and region (also read from TWILIO_EDGE / TWILIO_REGION) rewrite the host
            # name; a base URL given explicitly is meant literally.
            self._client.edge = None
            self._client.region = None

    async def place_call(
        self,
        *,
        to: str,
        from_: str,
        url: str,
        status_callback: str,
        machine_detection: bool = False,
        timeout_seconds: int = 30,
    ) -> str:
        """Dial `to`; Twilio fetches TwiML from `url` on answer. Returns the CallSid."""
        options: dict[str, Any] = {
            "to": to,
            "from_": from_,
            "url": url,
            "status_callback": status_callback,
            "status_callback_event": list(CALL_STATUS_EVENTS),
            "timeout": timeout_seconds,
        }
        if machine_detection:
            options["machine_detection"] = "Enable"
        call = await self._attempt("place a call", lambda: self._client.calls.create_async(**options), idempotent=False)
        return str(call.sid)

    async def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None = None) -> str:
        """Send a text message; returns the MessageSid."""
        options: dict[str, Any] = {"to": to, "from_": from_, "body": body}
        if status_callback is not None:
            options["status_callback"] = status_callback
        message = await self._attempt(
            "send an SMS", lambda: self._client.messages.create_async(**options), idempotent=False
        )
        return str(message.sid)

    async def hang_up(self, call_sid: str) -> None:
        """End the call, ringing or connected."""
        check_sid(call_sid, "CA")
        await self._attempt(
            f"hang up call {call_sid}", lambda: self._client.calls(call_sid).update_async(status="completed")
        )

    async def fetch_recording(self, recording_sid: str) -> Recording:
        """The recording as MP3, fetched from its media URL (the library offers only metadata)."""
        check_sid(recording_sid, "RE")
        path = f"/2010-04-01/Accounts/{self._account_sid}/Recordings/{recording_sid}.mp3"
        url = self._client.get_hostname(self._base_url + path)

        async def download() -> Recording:
            async with self._http.session.get(
                url,
                headers={"Authorization": basic_auth(self._account_sid, self._auth_token)},
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                data = await response.read()
                if response.status != 200:
                    # Parsed by the library's own rules, so errors read as for any other call.
                    text = data.decode("utf-8", "replace")
                    raise Version.exception("GET", path, Response(response.status, text), "Unable to fetch recording")
                return Recording(content_type=response.headers.get("Content-Type", "audio/mpeg"), data=data)

        return await self._attempt(f"fetch recording {recording_sid}", download)

    async def delete_recording(self, recording_sid: str) -> None:
        """Delete the recording; one already gone (404) counts as deleted, so retention jobs
        that stopped halfway can simply run again."""
        check_sid(recording_sid, "RE")

        async def delete() -> None:
            try:
                await self._client.recordings(recording_sid).delete_async()
            except _HTTP_ERRORS as exc:
                if exc.status != 404:
                    raise

        await self._attempt(f"delete recording {recording_sid}", delete)

    async def close(self) -> None:
        await self._http.close()

    async def _attempt(self, action: str, operation: Callable[[], Awaitable[T]], *, idempotent: bool = True) -> T:
        """Run `operation`, retrying transient failures. Creating a call or an SMS is not
        idempotent (Twilio has no idempotency key): after a 5xx or a timeout Twilio may have
        acted, and asking again could ring a customer twice, so only failures that show the
        request was not taken (429, no connection) are retried for those."""
        attempt = 0
        while True:
            try:
                return await operation()
            except (TwilioException, aiohttp.ClientError, TimeoutError) as exc:
                failure = self._failure(action, exc)
                if failure.permanent or (not idempotent and not _surely_not_taken(exc)):
                    raise failure from exc
                if attempt >= self._retries:
                    raise OutboundError(f"{failure} (gave up after {attempt + 1} attempts)", permanent=False) from exc
            await self._sleep(self._backoff_seconds * 2**attempt)
            attempt += 1

    def _failure(self, action: str, exc: Exception) -> OutboundError:
        if isinstance(exc, _HTTP_ERRORS):
            status = int(exc.status)
            code = f", Twilio error {exc.code}" if exc.code and exc.code != status else ""
            said = exc.msg if isinstance(exc, TwilioRestException) else f"{exc.title}: {exc.detail or ''}"
            message = f"Twilio refused to {action}: HTTP {status}{code}: {said}"
            permanent = not (status == 429 or status >= 500)
        elif isinstance(exc, TimeoutError):  # before ClientError: aiohttp's timeouts are both
            message, permanent = f"Twilio did not answer in time to {action}", False
        elif isinstance(exc, aiohttp.ClientError):
            message, permanent = f"Twilio could not be reached to {action}: {exc}", False
        else:  # the library's own complaints (a malformed answer) will not go away by asking again
            message, permanent = f"Twilio client failed to {action}: {exc}", True
        # Belt and braces: nothing above should carry the token, and it must never reach a log.
        if self._auth_token:
            message = message.replace(self._auth_token, "[auth token]")
        return OutboundError(message, permanent=permanent)


def _surely_not_taken(exc: Exception) -> bool:
    """Twilio refused before acting (rate limit) or the request never left (no connection)."""
    if isinstance(exc, _HTTP_ERRORS):
        return int(exc.status) == 429
    return isinstance(exc, aiohttp.ClientConnectorError)
