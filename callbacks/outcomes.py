"""Closing concerns with their outcome, and what the promise-keeping figures count."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.claims import ClaimConflict
from callbacks.intake import note_history
from callbacks.models import OUTCOMES, Concern
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event

Outcome = Literal["settled", "appointment_made", "forwarded", "counselling_booked"]


class InvalidConcern(ValueError):
    """A request about a concern that cannot be carried out (closing it without an outcome);
    `field` names the input and the message says why (German)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_outcome(text: str) -> Outcome:
    for outcome in OUTCOMES:
        if outcome == text:
            return outcome  # type: ignore[return-value]
    raise InvalidConcern("outcome", "Bitte ein Ergebnis wählen.")


async def close_concern(
    session: AsyncSession,
    concern: Concern,
    *,
    user_id: int,
    outcome: Outcome,
    now: dt.datetime,
    pseudonymiser: Pseudonymiser,
) -> Concern:
    """Settle a concern the counsellor holds; `ClaimConflict` if closed already or held by another."""
    # The conditional update is the arbiter, as for claims: of two closes sent at once (a double
    # click, a retrying client), the second finds the concern closed instead of closing it again.
    closed = await session.execute(
        update(Concern)
        .where(
            Concern.id == concern.id,
            Concern.status != "closed",
            or_(
                Concern.claimed_by.is_(None),
                Concern.claimed_by == user_id,
                Concern.claim_expires_at.is_(None),
                Concern.claim_expires_at <= now,
            ),
        )
        .values(
            status="closed",
            outcome=outcome,
            closed_at=now,
            closed_by=user_id,
            claimed_by=None,
            claim_expires_at=None,
            next_attempt_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(concern)
    if not getattr(closed, "rowcount", 0):
        if concern.status == "closed":
            raise ClaimConflict("Dieses Anliegen ist bereits abgeschlossen.")
        raise ClaimConflict("Dieses Anliegen bearbeitet gerade eine Kollegin oder ein Kollege.")
    within = now <= concern.due_at
    await note_history(session, concern, "closed", now, user_id, {"outcome": outcome, "within_promise": within})
    await record_contact_event(
        session,
        pseudonymiser=pseudonymiser,
        at=now,
        channel="callback",
        kind="concern_settled",
        region=concern.region,
        caller=concern.callback_number,
        reference=f"concern:{concern.reference}",
        duration_seconds=int((now - concern.created_at).total_seconds()),
        detail={"outcome": outcome, "within_promise": within, "channel": concern.channel},
        event_id=f"concern:{concern.id}:settled",
    )
    return concern
