"""Counsellors making themselves available: the regions to ring their phone for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from staff.profile import set_phone
from telephony.counsellors.models import CounsellorPresence


class PresenceError(ValueError):
    """A request about availability that cannot be carried out; the message says why (German)."""


async def presence_of(session: AsyncSession, user_id: int) -> CounsellorPresence | None:
    return await session.get(CounsellorPresence, user_id)


async def ensure_presence(session: AsyncSession, user_id: int, now: dt.datetime) -> CounsellorPresence:
    """The counsellor's presence row, created (not available, no PIN) if they have none yet."""
    presence = await session.get(CounsellorPresence, user_id)
    if presence is None:
        presence = CounsellorPresence(user_id=user_id, regions=[], available=False, misses=0, updated_at=now)
        session.add(presence)
    return presence


async def make_available(
    session: AsyncSession, *, user_id: int, phone: str, regions: Sequence[str], now: dt.datetime
) -> CounsellorPresence:
    """Ring `phone` for waiting callers of `regions` from now on; the phone is the one on the
    counsellor's profile, so calling customers back rings the same one."""
    if not regions:
        raise PresenceError("Bitte mindestens eine Region wählen.")
    presence = await ensure_presence(session, user_id, now)
    await set_phone(session, user_id, phone)
    presence.regions = sorted(set(regions))
    presence.available, presence.misses, presence.updated_at = True, 0, now
    return presence


async def make_unavailable(session: AsyncSession, *, user_id: int, now: dt.datetime) -> None:
    presence = await ensure_presence(session, user_id, now)
    presence.available, presence.updated_at = False, now
