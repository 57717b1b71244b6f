"""New calls answered at once, their arrival logged in the next group commit.

The first webhook of a call on a hotline with a language menu needs nothing from the database:
the menu comes from the deployment file. Its two writes (the call row and the `call_received`
contact event) wait here and are committed with every other call that arrived meanwhile: one
transaction per round instead of one per call, as a database's group commit or Asterisk's CDR
batch mode do. Under load a round carries dozens of calls; on a quiet line each call is
committed on its own a moment after its answer went out.

The price: a crash (not a shutdown, which commits what waits) loses the arrivals not yet
committed: under full load about one round, tens of milliseconds' worth. Nothing a caller is
promised waits here: callbacks and voicemails are committed before the caller hears the
confirmation. Any later webhook of a waiting call first waits for its round (`written`), so no
step of a call is logged before its arrival. While rounds fail, or when too many wait, the first
webhook writes at once as before (`accepting`): a database outage still gives the caller the
fallback answer, and a writer that falls behind slows the intake instead of piling up memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts.pseudonyms import Pseudonymiser
from contacts.service import contact_event_row, record_contact_events
from storage.bulk import insert_new_rows
from storage.engine import DatabaseUnavailable
from telephony.inbound.models import Call

log = logging.getLogger("hotline.twilio")
_CALLS = cast(Table, Call.__table__)
SHUTDOWN_SECONDS = 10.0  # for the last rounds at shutdown, so a dead database cannot hold it up


class ArrivalNotLogged(DatabaseUnavailable):
    """The round carrying this call could not be committed (the database is failing)."""


class ArrivalLog:
    """Arrivals of new inbound calls, committed in rounds by one background writer."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        pseudonymiser: Pseudonymiser,
        *,
        retry_seconds: float = 0.5,
        max_retry_seconds: float = 30.0,
        max_queued: int = 5_000,
    ) -> None:
        self.sessions = sessions
        self.pseudonymiser = pseudonymiser
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self.max_queued = max_queued
        self.failing = False  # the last round could not be committed
        self._calls: dict[str, dict[str, Any]] = {}  # the round being gathered, by CallSid
        self._events: list[dict[str, Any]] = []
        self._queued: set[str] = set()  # gathered or being written, until committed
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._settled: asyncio.Future[None] | None = None  # resolved after each round, won or lost
        self._writer: asyncio.Task[None] | None = None

    @property
    def accepting(self) -> bool:
        """Whether an arrival may wait for a round: the writer runs, its last round committed
        and it is not too far behind (then callers are logged at once, which slows the intake
        to what the database takes)."""
        return self._writer is not None and not self.failing and len(self._queued) < self.max_queued

    def note(self, *, call_sid: str, region: str, caller: str | None, now: dt.datetime) -> None:
        """Queue a new inbound call; a retried webhook of a call already queued changes nothing."""
        if call_sid in self._queued:
            return
        event = contact_event_row(
            pseudonymiser=self.pseudonymiser,
            at=now,
            channel="phone",
            kind="call_received",
            region=region,
            caller=caller,
            reference=call_sid,
            event_id=f"{call_sid}:call_received",
        )
        self._calls[call_sid] = {
            "call_sid": call_sid,
            "region": region,
            "direction": "inbound",
            "status": "in-progress",
            "started_at": now,
        }
        self._events.append(event)
        self._queued.add(call_sid)
        self._wake.set()

    def note_step(self, event: dict[str, Any]) -> bool:
        """Queue a later step of a call (a `contact_event_row`) that nobody waits for, such as
        reaching the closed line; False (nothing queued) when the writer is not running or too
        much waits, and the caller writes it itself."""
        if self._writer is None or len(self._events) >= self.max_queued:
            return False
        self._events.append(event)
        self._queued.add(event["reference"])  # the call's next webhook waits for it: steps stay in order
        self._wake.set()
        return True

    async def written(self, call_sid: str) -> None:
        """Return once `call_sid`'s arrival is committed (at once if it is not queued); raise
        `ArrivalNotLogged` while its round cannot be committed."""
        while call_sid in self._queued:
            if self.failing:
                raise ArrivalNotLogged(f"the arrival of call {call_sid} is not logged yet")
            await asyncio.shield(self._next_settlement())

    async def commit_round(self) -> bool:
        """Commit everything queued so far in one transaction. On failure keep it queued for the
        next round and return False."""
        calls, events = self._calls, self._events
        if not calls and not events:
            return True
        self._calls, self._events = {}, []
        try:
            async with self.sessions.begin() as session:
                await insert_new_rows(session, _CALLS, "call_sid", list(calls.values()))
                await record_contact_events(session, events)
        except asyncio.CancelledError:
            self._requeue(calls, events)
            raise
        except Exception:
            log.exception(
                "arrivals of new calls could not be logged; kept for the next round", extra={"calls": len(calls)}
            )
            self._requeue(calls, events)
            self.failing = True
            self._settle()
            return False
        written = set(calls) | {event["reference"] for event in events}
        gathered_since = set(self._calls) | {event["reference"] for event in self._events}
        self._queued.difference_update(written - gathered_since)
        self.failing = False
        self._settle()
        return True

    async def running(self) -> AsyncIterator[None]:
        """The writer for the app's lifetime. At the end it finishes the round in hand (none is
        cut off mid-transaction) and commits whatever still waits."""
        self._writer = asyncio.create_task(self._write_rounds(), name="arrival-log")
        try:
            yield
        finally:
            writer, self._writer = self._writer, None
            self._stop.set()
            self._wake.set()
            if not await self._finish(writer):
                log.error("arrivals of new calls not logged at shutdown", extra={"calls": len(self._queued)})

    async def _finish(self, writer: asyncio.Task[None]) -> bool:
        try:
            await asyncio.wait_for(writer, SHUTDOWN_SECONDS)
            return await asyncio.wait_for(self.commit_round(), SHUTDOWN_SECONDS)
        except TimeoutError:
            return False

    async def _write_rounds(self) -> None:
        delay = self.retry_seconds
        while not self._stop.is_set():
            await self._wake.wait()
            self._wake.clear()
            if await self.commit_round():
                delay = self.retry_seconds
                continue
            self._wake.set()  # what failed is still queued
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            delay = min(delay * 2, self.max_retry_seconds)

    def _requeue(self, calls: dict[str, dict[str, Any]], events: list[dict[str, Any]]) -> None:
        self._calls = calls | self._calls
        self._events = events + self._events

    def _next_settlement(self) -> asyncio.Future[None]:
        if self._settled is None:
            self._settled = asyncio.get_running_loop().create_future()
        return self._settled

    def _settle(self) -> None:
        settled, self._settled = self._settled, None
        if settled is not None:
            settled.set_result(None)
