"""One contact's whole story on one page: the call, and the concern it led to, in order.

A call's events carry its CallSid as their reference, a concern's events "concern:<REF>". The
concern's first event (callback requested, voicemail left) names the call it came from in
`detail["call"]`; the concerns table keeps the same CallSid. Either end of the story finds the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audit.call_log import LoggedEvent, short_pseudonym
from callbacks.models import Concern
from contacts.models import ContactEvent

CONCERN_PREFIX = "concern:"
RAISED_KINDS = ("callback_requested", "voicemail_left", "concern_raised")
_A_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Timeline:
    reference: str  # as asked for
    call: str | None  # the CallSid of the call, if the contact began with one
    concerns: tuple[str, ...]  # "concern:<REF>" of the concerns it led to
    events: list[LoggedEvent]


async def contact_timeline(session: AsyncSession, reference: str) -> Timeline | None:
    """All events of the contact `reference` (a CallSid or "concern:<REF>"), oldest first; None if
    the log holds nothing of it."""
    call: str | None = None
    concerns: list[str] = []
    if reference.startswith(CONCERN_PREFIX):
        concerns.append(reference)
        call = await _call_of(session, reference)
    else:
        call = reference
        concerns.extend(await _concerns_of(session, reference))
    references = [r for r in (call, *concerns) if r]
    rows = await session.scalars(
        select(ContactEvent)
        .where(ContactEvent.reference.in_(references))
        .order_by(ContactEvent.occurred_at, ContactEvent.id)
    )
    events = [
        LoggedEvent(
            id=e.id,
            occurred_at=e.occurred_at,
            region=e.region,
            channel=e.channel,
            kind=e.kind,
            caller=short_pseudonym(e.caller_pseudonym),
            reference=e.reference,
            wait_seconds=e.wait_seconds,
            duration_seconds=e.duration_seconds,
        )
        for e in rows
    ]
    if not events:
        return None
    return Timeline(reference, call, tuple(concerns), events)


async def _call_of(session: AsyncSession, concern: str) -> str | None:
    raised = await session.scalars(
        select(ContactEvent.detail).where(ContactEvent.reference == concern, ContactEvent.kind.in_(RAISED_KINDS))
    )
    for detail in raised:
        if isinstance(detail, dict) and isinstance(detail.get("call"), str):
            return str(detail["call"])
    return await session.scalar(
        select(Concern.call_sid).where(Concern.reference == concern.removeprefix(CONCERN_PREFIX))
    )


async def _concerns_of(session: AsyncSession, call: str) -> list[str]:
    """Concerns raised from the call: from the concerns table, else from the log (the call's
    events and the concern's first event are written close together, within the call's day)."""
    found = {
        CONCERN_PREFIX + ref for ref in await session.scalars(select(Concern.reference).where(Concern.call_sid == call))
    }
    first = await session.execute(
        select(ContactEvent.occurred_at, ContactEvent.region)
        .where(ContactEvent.reference == call)
        .order_by(ContactEvent.occurred_at)
        .limit(1)
    )
    start = first.first()
    if start is not None:
        # Raised events of the call's region from the call's start to a day later name their call.
        nearby = select(ContactEvent.reference, ContactEvent.detail).where(
            ContactEvent.kind.in_(RAISED_KINDS),
            ContactEvent.occurred_at >= start.occurred_at,
            ContactEvent.occurred_at < start.occurred_at + _A_DAY,
        )
        if start.region is not None:
            nearby = nearby.where(ContactEvent.region == start.region)
        raised = await session.execute(nearby)
        found |= {ref for ref, detail in raised if ref and isinstance(detail, dict) and detail.get("call") == call}
    return sorted(found)


async def voicemails_to_play(session: AsyncSession, concerns: tuple[str, ...]) -> list[str]:
    """The references (without prefix) of those `concerns` whose recording is still kept."""
    references = [c.removeprefix(CONCERN_PREFIX) for c in concerns]
    if not references:
        return []
    found = await session.scalars(
        select(Concern.reference)
        .where(
            Concern.reference.in_(references),
            Concern.recording_sid.is_not(None),
            Concern.recording_deleted_at.is_(None),
        )
        .order_by(Concern.reference)
    )
    return list(found)
