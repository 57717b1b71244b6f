"""Retention of counselling's personal data: a booking's number, first name and note go
`keep` after its session ended (as a concern's go after it is settled), and an unused booking
link's number as soon as the link has expired. What stays is the anonymous record of slots and
sessions that planners count; the links stop working, since they find nobody any more."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from video.models import CounsellingBooking, CounsellingInvitation


async def erase_personal_data(session: AsyncSession, now: dt.datetime, keep: dt.timedelta) -> int:
    """Empty what is due; returns how many bookings and invitations were emptied."""
    bookings = await session.execute(
        update(CounsellingBooking)
        .where(
            CounsellingBooking.ends_at <= now - keep,
            CounsellingBooking.personal_data_deleted_at.is_(None),
        )
        .values(phone=None, first_name=None, note=None, personal_data_deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    invitations = await session.execute(
        update(CounsellingInvitation)
        .where(
            CounsellingInvitation.phone.is_not(None),
            or_(CounsellingInvitation.expires_at <= now, CounsellingInvitation.spent_at.is_not(None)),
        )
        .values(phone=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(bookings, "rowcount", 0) or 0) + int(getattr(invitations, "rowcount", 0) or 0)
