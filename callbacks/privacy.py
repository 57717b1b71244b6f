"""A customer's rights over the concern queue (GDPR Art. 15 and 17): what is held about a number,
and erasing it. Erasure empties the same fields retention does; the anonymous record stays."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.intake import note_history
from callbacks.models import WITHDRAWN, CallbackAttempt, Concern, ConcernEntry
from callbacks.recording_news import forget_news
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event


@dataclass(frozen=True)
class HeldConcern:
    """A concern with its history and callback attempts, as held about a customer."""

    concern: Concern
    history: list[ConcernEntry]
    attempts: list[CallbackAttempt]


async def concerns_of_number(session: AsyncSession, e164: str) -> list[HeldConcern]:
    """Every concern that still holds `e164`, oldest first, with its history and attempts."""
    concerns = list(
        await session.scalars(
            select(Concern).where(Concern.callback_number == e164).order_by(Concern.created_at, Concern.id)
        )
    )
    ids = [c.id for c in concerns]
    history: dict[int, list[ConcernEntry]] = defaultdict(list)
    attempts: dict[int, list[CallbackAttempt]] = defaultdict(list)
    if ids:
        for entry in await session.scalars(
            select(ConcernEntry).where(ConcernEntry.concern_id.in_(ids)).order_by(ConcernEntry.at, ConcernEntry.id)
        ):
            history[entry.concern_id].append(entry)
        for attempt in await session.scalars(
            select(CallbackAttempt)
            .where(CallbackAttempt.concern_id.in_(ids))
            .order_by(CallbackAttempt.started_at, CallbackAttempt.id)
        ):
            attempts[attempt.concern_id].append(attempt)
    return [HeldConcern(c, history[c.id], attempts[c.id]) for c in concerns]


async def withdraw_concern(
    session: AsyncSession, concern: Concern, *, now: dt.datetime, pseudonymiser: Pseudonymiser
) -> None:
    """Close an open (or unreachable) concern as withdrawn: nobody calls back a customer who
    asked for erasure. Not a settlement, so it never counts as a promise kept."""
    number = concern.callback_number
    concern.status, concern.outcome, concern.closed_at = "closed", WITHDRAWN, now
    concern.claimed_by = concern.claim_expires_at = concern.next_attempt_at = None
    await note_history(session, concern, "withdrawn", now, detail={"reason": "erasure_request"})
    await record_contact_event(
        session,
        pseudonymiser=pseudonymiser,
        at=now,
        channel="callback",
        kind="concern_withdrawn",
        region=concern.region,
        caller=number,
        reference=concern.reference,
    )


async def erase_concern(session: AsyncSession, concern: Concern, *, now: dt.datetime) -> None:
    """Empty a settled concern's personal data at the customer's request, as retention would."""
    concern.callback_number = concern.customer_name = concern.note = concern.transcript = None
    concern.recording_url = None
    await note_history(session, concern, "personal_data_erased", now, detail={"reason": "erasure_request"})
    if concern.recording_sid:
        await forget_news(session, [concern.recording_sid])
