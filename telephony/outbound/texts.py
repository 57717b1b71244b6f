"""Text messages sent after a caller's answer went out, through the outbound port.

A caller must not wait on Twilio's REST API (or its retries) between "your reference is…" and the
goodbye, so the message leaves in the background. Whether to send at all is decided before, in
the caller's webhook, and recorded with the concern: a retried webhook never sends it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from routing.numbers import takes_text_messages
from telephony.outbound.port import OutboundError, OutboundPort

__all__ = ["TextMessages", "takes_text_messages"]

log = logging.getLogger("hotline.twilio")
SHUTDOWN_SECONDS = 5.0


class TextMessages:
    """Sends SMS off the caller's path; `running` is the app's cleanup context."""

    def __init__(self, outbound: Callable[[], OutboundPort]) -> None:
        self._outbound = outbound
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, *, to: str, from_: str, body: str, context: Mapping[str, Any]) -> None:
        """Send in the background; a failure is logged with `context` (never the number)."""
        task = asyncio.get_running_loop().create_task(self._send(to, from_, body, dict(context)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait until every message handed over has been sent or given up (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def running(self) -> AsyncIterator[None]:
        yield
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), SHUTDOWN_SECONDS)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _send(self, to: str, from_: str, body: str, context: dict[str, Any]) -> None:
        try:
            await self._outbound().send_sms(to=to, from_=from_, body=body)
        except OutboundError as exc:
            log.warning("text message not sent", extra=context | {"reason": str(exc), "permanent": exc.permanent})
        except Exception:
            log.exception("text message not sent", extra=context)
