"""Unverified concerns and the concerns they are linked to: staff decide what anonymous input
(the contact form) could not: whether it belongs to the open concern of the same number.

Merging appends the unverified concern's note to the linked one (with a line in its history)
and closes the unverified one; keeping both removes the link. Either way it is staff who act,
never the intake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.claims import ClaimConflict
from callbacks.intake import note_history
from callbacks.models import MERGED, Concern

NOT_LINKED = "Dieses Anliegen ist mit keinem offenen Anliegen verknüpft."
LINKED_CLOSED = "Das verknüpfte Anliegen ist bereits abgeschlossen. Bitte bearbeiten Sie dieses Anliegen selbst."
MESSAGES = (NOT_LINKED, LINKED_CLOSED)


@dataclass(frozen=True)
class Links:
    linked_to: str | None  # the reference this concern points at
    linked_from: list[str]  # references of open unverified concerns pointing at this one


async def links_of(session: AsyncSession, concern: Concern) -> Links:
    """The links of one concern, both ways, by reference."""
    linked_to = None
    if concern.linked_concern_id is not None:
        linked_to = await session.scalar(select(Concern.reference).where(Concern.id == concern.linked_concern_id))
    linked_from = await session.scalars(
        select(Concern.reference)
        .where(Concern.linked_concern_id == concern.id, Concern.status != "closed")
        .order_by(Concern.created_at, Concern.id)
    )
    return Links(linked_to, list(linked_from))


async def linked_references(session: AsyncSession, concerns: Iterable[Concern]) -> dict[int, str]:
    """The reference each of these concerns is linked to, by the linking concern's id."""
    wanted = {c.id: c.linked_concern_id for c in concerns if c.linked_concern_id is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Concern.id, Concern.reference).where(Concern.id.in_(set(wanted.values()))))
    references = {row.id: row.reference for row in rows}
    return {own: references[other] for own, other in wanted.items() if other in references}


async def merge_into_linked(session: AsyncSession, concern: Concern, *, user_id: int, now: dt.datetime) -> Concern:
    """Staff found the unverified `concern` belongs to the one it is linked to: its note joins
    that one, and it is closed as merged. Returns the concern merged into."""
    target = await _linked_open(session, concern, user_id, now)
    if concern.note:
        target.note = f"{target.note}\n---\n{concern.note}" if target.note else concern.note
    await note_history(
        session, target, "merged", now, user_id, {"channel": concern.channel, "other": concern.reference}
    )
    concern.status, concern.outcome, concern.closed_at, concern.closed_by = "closed", MERGED, now, user_id
    concern.claimed_by, concern.claim_expires_at, concern.next_attempt_at = None, None, None
    await note_history(session, concern, "merged_into", now, user_id, {"other": target.reference})
    return target


async def keep_separate(session: AsyncSession, concern: Concern, *, user_id: int, now: dt.datetime) -> None:
    """Staff found the unverified `concern` stands on its own: the link goes, both stay open."""
    other = await _linked_open(session, concern, user_id, now, closed_ok=True)
    concern.linked_concern_id = None
    await note_history(session, concern, "kept_separate", now, user_id, {"other": other.reference})


async def _linked_open(
    session: AsyncSession, concern: Concern, user_id: int, now: dt.datetime, *, closed_ok: bool = False
) -> Concern:
    if concern.status == "closed":
        raise ClaimConflict("Dieses Anliegen ist bereits abgeschlossen.")
    if concern.claimed_by not in (None, user_id) and concern.claim_expires_at and concern.claim_expires_at > now:
        raise ClaimConflict("Dieses Anliegen bearbeitet gerade eine Kollegin oder ein Kollege.")
    target = await session.get(Concern, concern.linked_concern_id) if concern.linked_concern_id else None
    if target is None:
        raise ClaimConflict(NOT_LINKED)
    if target.status == "closed" and not closed_ok:
        raise ClaimConflict(LINKED_CLOSED)
    return target
