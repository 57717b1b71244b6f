"""Appending records for callers that cannot wait long for the database (web requests): at once
when the database answers within a moment, else late, retried in the background.

A page is answered once its record is kept, in the normal case. While the database takes no
writes (SQLite's lock held by a backup, PostgreSQL restarting), the page is answered anyway, as
the service's reads go on during such a lock, and the record is appended as soon as the database
takes it again: its `at` is the moment of the action, its place in the chain when it was written.
A record that cannot be written (the retries run out, the failure is not a passing one, the
service shuts down first) is logged at error level with all it holds (logger "hotline.audit"),
so the log keeps what the trail missed. Only a process that dies with records pending loses them.
Nobody can choose to be unrecorded this way: making the database refuse writes takes database
access, and with that one would not need the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.trail import AuditRecord, append
from storage.engine import is_transient

log = logging.getLogger("hotline.audit")
WAIT_SECONDS = 1.0  # an append takes milliseconds; a page waits this long for it at most
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)  # about four minutes in all
SHUTDOWN_SECONDS = 5.0
MAX_PENDING = 5_000  # beyond this, records are logged as lost at once instead of piling up in memory

AppendRecord = Callable[[AuditRecord], Awaitable[object]]


class Recorder:
    """Appends records, each in a short transaction of its own; `running` is an app cleanup context."""

    def __init__(
        self,
        append_record: AppendRecord,
        *,
        wait_seconds: float = WAIT_SECONDS,
        delays: Sequence[float] = RETRY_DELAYS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_pending: int = MAX_PENDING,
        shutdown_seconds: float = SHUTDOWN_SECONDS,
    ) -> None:
        self.append_record = append_record
        self.wait_seconds = wait_seconds
        self.delays = tuple(delays)
        self.sleep = sleep
        self.max_pending = max_pending
        self.shutdown_seconds = shutdown_seconds
        self._pending: set[asyncio.Task[bool]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.written_late = 0  # counters for the operator's log and for tests
        self.lost = 0

    @classmethod
    def on(cls, sessions: async_sessionmaker[AsyncSession], **options: Any) -> Recorder:
        """A recorder appending through `sessions`' writing engine."""

        async def append_record(record: AuditRecord) -> None:
            async with sessions.begin() as session:
                await append(session, record)

        return cls(append_record, **options)

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def record(self, record: AuditRecord) -> bool:
        """Append `record`; True if it is kept by the time this returns, False if it will be
        written late (or, failing that, logged as lost). Never raises for the database's sake."""
        if self.pending >= self.max_pending:
            self._lose(record, "too many records pending")
            return False
        task = asyncio.get_running_loop().create_task(self._write(record))
        self._pending.add(task)
        self._idle.clear()
        task.add_done_callback(self._retired)
        # Not cancelled when the wait ends, nor when the request is: the record is still owed.
        done, _ = await asyncio.wait({task}, timeout=self.wait_seconds)
        return task in done and not task.cancelled() and task.result()

    async def settled(self) -> None:
        """Wait until no record is pending (tests, and shutdown)."""
        await self._idle.wait()

    async def running(self) -> AsyncIterator[None]:
        """For the app's lifetime; at shutdown pending records get a few seconds, then are logged as lost."""
        yield
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), self.shutdown_seconds)
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _write(self, record: AuditRecord) -> bool:
        reason = "cancelled at shutdown"
        try:
            for tries, delay in enumerate((0.0, *self.delays), start=1):
                if delay:
                    await self.sleep(delay)
                try:
                    await self.append_record(record)
                except Exception as exc:
                    reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
                    if not is_transient(exc):
                        log.error("audit record refused", exc_info=exc)
                        break
                else:
                    if tries > 1:
                        self.written_late += 1
                        log.info("audit record written late", extra={"tries": tries, "action": record.action})
                    return True
        except asyncio.CancelledError:
            self._lose(record, reason)
            raise
        self._lose(record, reason)
        return False

    def _lose(self, record: AuditRecord, reason: str) -> None:
        self.lost += 1
        log.error(
            "audit record not written to the trail",
            extra={"reason": reason, "unrecorded": as_log_fields(record)},
        )

    def _retired(self, task: asyncio.Task[bool]) -> None:
        self._pending.discard(task)
        if not self._pending:
            self._idle.set()


def as_log_fields(record: AuditRecord) -> dict[str, Any]:
    """The record as plain values for a JSON log line."""
    return {
        "at": record.at.isoformat(),
        "actor": record.actor,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "address": record.address,
        "detail": dict(record.detail),
    }
