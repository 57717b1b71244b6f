"""Counsellors making themselves available: the regions to ring their phone for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from contacts.service import record_contact_event
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
    before = set(presence.regions) if presence.available else set()
    presence.regions = sorted(set(regions))
    presence.available, presence.misses, presence.updated_at = True, 0, now
    await log_availability(session, user_id, now, left=before - set(regions), joined=set(regions) - before)
    return presence


async def make_unavailable(session: AsyncSession, *, user_id: int, now: dt.datetime) -> None:
    presence = await ensure_presence(session, user_id, now)
    await set_unavailable(session, presence, now)


async def set_unavailable(session: AsyncSession, presence: CounsellorPresence, now: dt.datetime) -> None:
    if presence.available:
        await log_availability(session, presence.user_id, now, left=set(presence.regions), joined=set())
    presence.available, presence.updated_at = False, now


async def log_availability(
    session: AsyncSession, user_id: int, now: dt.datetime, *, left: set[str], joined: set[str]
) -> None:
    """Planners' occupancy figures need the time counsellors were on the hotline, per region."""
    for kind, regions in (("counsellor_unavailable", left), ("counsellor_available", joined)):
        for region in sorted(regions):
            await record_contact_event(
                session, at=now, channel="phone", kind=kind, region=region, reference=f"counsellor:{user_id}"
            )
