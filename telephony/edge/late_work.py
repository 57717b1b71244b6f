"""Webhook work the caller could not wait for: finished late, retried, or logged as lost.

When a handler runs past its deadline or fails on the database, Twilio has already been
answered. What the handler was writing (a call's step, a callback request, a voicemail) is not
dropped: a running handler is left to finish, a failed one is run again after a pause (every
handler is idempotent, because Twilio retries webhooks itself), and only when that keeps failing,
or the service shuts down meanwhile, is the work logged as lost, with its path, call and request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from storage.deadlines import DeadlinePassed, within
from storage.engine import is_transient

log = logging.getLogger("hotline.twilio")
Work = Callable[[], Awaitable[object]]
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)  # about two minutes in all
TRY_SECONDS = 60.0  # one try of a handler; a database that answers slower than this is down
SHUTDOWN_SECONDS = 5.0
MAX_PENDING = 2_000  # beyond this, new late work is logged as lost at once instead of piling up


class LateWork:
    """Keeps track of webhook work after its answer went out; `running` is the app's cleanup context."""

    def __init__(
        self,
        *,
        delays: Sequence[float] = RETRY_DELAYS,
        try_seconds: float = TRY_SECONDS,
        max_pending: int = MAX_PENDING,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.delays = tuple(delays)
        self.try_seconds = try_seconds
        self.max_pending = max_pending
        self.sleep = sleep
        self._retries: set[asyncio.Task[None]] = set()
        self._running_late = 0  # handlers still at work after their answer went out
        self._idle = asyncio.Event()
        self._idle.set()
        self.finished = 0  # counters for the operator's log and for tests
        self.lost = 0

    @property
    def pending(self) -> int:
        return len(self._retries) + self._running_late

    def begin_late(self) -> None:
        """A handler goes on after its answer went out; `end_late` when it has ended."""
        self._running_late += 1
        self._idle.clear()

    def end_late(self) -> None:
        self._running_late -= 1
        self._note_idle()

    def done_late(self, context: dict[str, Any], tries: int = 1) -> None:
        self.finished += 1
        log.info("webhook work done after the answer went out", extra=context | {"tries": tries})

    def retry_later(self, retry: Work, *, context: dict[str, Any]) -> None:
        """Run a failed handler again after pauses, until it succeeds or the pauses run out."""
        if self.pending >= self.max_pending:
            self.lose(context, "too much late work pending")
            return
        task = asyncio.get_running_loop().create_task(self._retry(retry, context))
        self._retries.add(task)
        self._idle.clear()
        task.add_done_callback(self._retired)

    def lose(self, context: dict[str, Any], reason: str) -> None:
        """Count and log work that will not be done: its path, call and request, and why."""
        self.lost += 1
        log.error("webhook work lost", extra=context | {"reason": reason})

    async def settled(self) -> None:
        """Wait until no work is pending (tests, and shutdown)."""
        await self._idle.wait()

    async def running(self) -> AsyncIterator[None]:
        """For the app's lifetime; at shutdown pending retries get a few seconds, then are lost."""
        yield
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), SHUTDOWN_SECONDS)
        for task in list(self._retries):
            task.cancel()
        await asyncio.gather(*list(self._retries), return_exceptions=True)

    def _retired(self, task: asyncio.Task[None]) -> None:
        self._retries.discard(task)
        self._note_idle()

    def _note_idle(self) -> None:
        if not self._retries and not self._running_late:
            self._idle.set()

    async def _retry(self, retry: Work, context: dict[str, Any]) -> None:
        reason = "cancelled at shutdown"
        try:
            for tries, delay in enumerate(self.delays, start=2):  # the edge saw the first try fail
                await self.sleep(delay)
                try:
                    await within(self.try_seconds, retry())
                except DeadlinePassed:
                    reason = "a try ran too long"
                except Exception as exc:
                    reason = type(exc).__name__
                    if not is_transient(exc):
                        log.error("webhook work failed late", exc_info=exc, extra=context)
                        break
                else:
                    self.done_late(context, tries)
                    return
        except asyncio.CancelledError:
            self.lose(context, reason)
            raise
        self.lose(context, reason)
