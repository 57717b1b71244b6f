"""A customer's rights over counselling (GDPR Art. 15 and 17): the bookings and booking links
that hold a number, and erasing them. A booking still to come is cancelled first: nobody can be
called for a session whose number is gone. The anonymous record of slots and sessions stays."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from video.models import CounsellingBooking, CounsellingInvitation


async def bookings_of_number(session: AsyncSession, e164: str) -> list[CounsellingBooking]:
    """Every booking that still holds `e164`, oldest session first."""
    return list(
        await session.scalars(
            select(CounsellingBooking)
            .where(CounsellingBooking.phone == e164)
            .order_by(CounsellingBooking.starts_at, CounsellingBooking.id)
        )
    )


async def invitations_of_number(session: AsyncSession, e164: str) -> list[CounsellingInvitation]:
    """Every booking link sent to `e164` that still holds it, oldest first."""
    return list(
        await session.scalars(
            select(CounsellingInvitation)
            .where(CounsellingInvitation.phone == e164)
            .order_by(CounsellingInvitation.created_at, CounsellingInvitation.id)
        )
    )


def erase_booking(booking: CounsellingBooking, *, now: dt.datetime) -> bool:
    """Empty the booking's number, first name and note; True if it was cancelled first."""
    cancelled = booking.status == "booked" and booking.ends_at > now
    if cancelled:
        booking.status, booking.changed_at, booking.holds_slot_id = "cancelled", now, None
    booking.phone = booking.first_name = booking.note = None
    booking.personal_data_deleted_at = now
    return cancelled


def erase_invitation(invitation: CounsellingInvitation, *, now: dt.datetime) -> None:
    """Empty the link's number; an unused link stops working, as after it expired."""
    invitation.phone = None
    if invitation.spent_at is None and invitation.expires_at > now:
        invitation.expires_at = now
