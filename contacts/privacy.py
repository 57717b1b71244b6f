"""The contact events of one caller, found by pseudonym: what the contact log holds about a number."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts.models import ContactEvent


async def events_of_pseudonym(session: AsyncSession, pseudonym: str) -> list[ContactEvent]:
    """Every event logged under `pseudonym`, oldest first."""
    return list(
        await session.scalars(
            select(ContactEvent)
            .where(ContactEvent.caller_pseudonym == pseudonym)
            .order_by(ContactEvent.occurred_at, ContactEvent.id)
        )
    )
