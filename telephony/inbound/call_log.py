"""Keeping track of a call across webhooks, and logging each step as a contact event.

Twilio retries webhooks and sends status callbacks late, twice or out of order: every write
here is keyed by CallSid and step, so doing it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from contacts.vocabulary import ContactChannel
from storage.bulk import insert_new
from telephony.inbound.arrivals import ArrivalLog
from telephony.inbound.models import Call

RECENT_WINDOW = dt.timedelta(hours=1)
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


@dataclass(frozen=True)
class CallLog:
    pseudonymiser: Pseudonymiser
    arrivals: ArrivalLog

    async def call(self, session: AsyncSession, call_sid: str) -> Call | None:
        await self.arrivals.written(call_sid)
        return await session.get(Call, call_sid)

    async def open_call(
        self,
        session: AsyncSession,
        *,
        call_sid: str,
        region: str,
        caller: str | None,
        now: dt.datetime,
        direction: str = "inbound",
    ) -> Call:
        """The call's record, created on first sight (whichever webhook that is)."""
        await self.arrivals.written(call_sid)
        # Insert-or-nothing in one statement: a webhook retried at the same moment cannot fail
        # on the key, and a new call costs a single round trip.
        created: Call | None = await session.scalar(
            insert_new(session, Call, "call_sid")
            .values(call_sid=call_sid, region=region, direction=direction, status="in-progress", started_at=now)
            .returning(Call)
        )
        if created is None:
            known = await session.get(Call, call_sid)
            assert known is not None
            return known
        if direction == "inbound":
            await self.event(session, created, "call_received", now, caller=caller)
        return created

    async def event(
        self,
        session: AsyncSession,
        call: Call,
        kind: str,
        now: dt.datetime,
        *,
        caller: str | None = None,
        channel: ContactChannel = "phone",
        step: str | None = None,
        wait_seconds: int | None = None,
        duration_seconds: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> bool:
        """Log a step of this call once; `step` tells apart repeated kinds (e.g. menu attempts)."""
        return await record_contact_event(
            session,
            pseudonymiser=self.pseudonymiser,
            at=now,
            channel=channel,
            kind=kind,
            region=call.region,
            caller=caller,
            reference=call.call_sid,
            wait_seconds=wait_seconds,
            duration_seconds=duration_seconds,
            detail=detail,
            event_id=f"{call.call_sid}:{kind}" + (f":{step}" if step else ""),
        )


async def recent_answer_wait(session: AsyncSession, region: str, now: dt.datetime) -> float | None:
    """Mean seconds callers of `region` waited before a counsellor answered, over the last hour."""
    rows = await session.execute(
        select(Call.queued_at, Call.answered_at).where(
            Call.region == region,
            Call.answered_at.is_not(None),
            Call.queued_at.is_not(None),
            Call.answered_at >= now - RECENT_WINDOW,
        )
    )
    waits = [(answered - queued).total_seconds() for queued, answered in rows if queued and answered]
    return sum(waits) / len(waits) if waits else None


def estimate_wait_minutes(*, position: int, queue_seconds: int, recent_mean: float | None, twilio_avg: int) -> int:
    """What a waiting caller is told: the recent mean wait (ours, else Twilio's average) minus
    what they have waited, plus a full mean for each caller ahead; at least one minute."""
    base = recent_mean if recent_mean is not None else float(twilio_avg or 60)
    remaining = max(base - queue_seconds, 0.0) + base * max(position - 1, 0)
    return max(1, round(remaining / 60))
