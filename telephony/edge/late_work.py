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
    """Supervises webhook work after its answer went out; `running` is the app's cleanup context."""

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
        self._supervisors: set[asyncio.Task[None]] = set()
        self.finished = 0  # counters for the operator's log and for tests
        self.lost = 0

    @property
    def pending(self) -> int:
        return len(self._supervisors)

    def adopt(self, task: asyncio.Future[Any], *, retry: Work, context: dict[str, Any]) -> None:
        """Watch a handler still running past its deadline."""
        self._start(task, retry, context, first_delay=None)

    def retry_later(self, retry: Work, *, context: dict[str, Any]) -> None:
        """Run a failed handler again after the first pause."""
        self._start(None, retry, context, first_delay=self.delays[0] if self.delays else 0.0)

    async def settled(self) -> None:
        """Wait until no work is pending (tests, and shutdown)."""
        while self._supervisors:
            await asyncio.gather(*list(self._supervisors), return_exceptions=True)

    async def running(self) -> AsyncIterator[None]:
        """For the app's lifetime; at shutdown pending work gets a few seconds, then is lost."""
        yield
        if not self._supervisors:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.settled()), SHUTDOWN_SECONDS)
        for supervisor in list(self._supervisors):
            supervisor.cancel()
        await asyncio.gather(*list(self._supervisors), return_exceptions=True)

    def _start(
        self, task: asyncio.Future[Any] | None, retry: Work, context: dict[str, Any], first_delay: float | None
    ) -> None:
        if len(self._supervisors) >= self.max_pending:
            if task is not None:
                task.cancel()
            self.lose(context, "too much late work pending")
            return
        supervisor = asyncio.get_running_loop().create_task(self._supervise(task, retry, context, first_delay))
        self._supervisors.add(supervisor)
        supervisor.add_done_callback(self._supervisors.discard)

    async def _supervise(
        self, task: asyncio.Future[Any] | None, retry: Work, context: dict[str, Any], first_delay: float | None
    ) -> None:
        tries = 0
        reason = "cancelled at shutdown"
        try:
            if first_delay is not None:
                await self.sleep(first_delay)
                tries = 1  # the failed try the edge saw
            while True:
                running = task if task is not None else asyncio.ensure_future(retry())
                task = None
                try:
                    await within(self.try_seconds, running)
                except DeadlinePassed:
                    reason = "a try ran too long"
                except Exception as exc:
                    reason = f"{type(exc).__name__}"
                    if not is_transient(exc):
                        log.error("webhook work failed late", exc_info=exc, extra=context)
                        break
                else:
                    self.finished += 1
                    log.info("webhook work done after the answer went out", extra=context | {"tries": tries + 1})
                    return
                if tries >= len(self.delays):
                    break
                await self.sleep(self.delays[tries])
                tries += 1
        except asyncio.CancelledError:
            if task is not None:
                task.cancel()
            self.lose(context, reason)
            raise
        self.lose(context, reason)

    def lose(self, context: dict[str, Any], reason: str) -> None:
        """Count and log work that will not be done: its path, call and request, and why."""
        self.lost += 1
        log.error("webhook work lost", extra=context | {"reason": reason})
