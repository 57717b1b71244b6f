"""Counsellors making themselves available, and the PIN for the staff line."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staff.accounts import active_user_ids
from telephony.counsellors.models import CounsellorPresence

PIN_LENGTHS = range(4, 9)


class PresenceError(ValueError):
    """A request about availability that cannot be carried out; the message says why (German)."""


async def presence_of(session: AsyncSession, user_id: int) -> CounsellorPresence | None:
    return await session.get(CounsellorPresence, user_id)


async def _presence(session: AsyncSession, user_id: int, now: dt.datetime) -> CounsellorPresence:
    presence = await session.get(CounsellorPresence, user_id)
    if presence is None:
        presence = CounsellorPresence(user_id=user_id, regions=[], available=False, misses=0, updated_at=now)
        session.add(presence)
    return presence


async def make_available(
    session: AsyncSession, *, user_id: int, phone: str, regions: Sequence[str], now: dt.datetime
) -> CounsellorPresence:
    """Ring `phone` for waiting callers of `regions` from now on."""
    if not regions:
        raise PresenceError("Bitte mindestens eine Region wählen.")
    presence = await _presence(session, user_id, now)
    presence.phone, presence.regions = phone, sorted(set(regions))
    presence.available, presence.misses, presence.updated_at = True, 0, now
    return presence


async def make_unavailable(session: AsyncSession, *, user_id: int, now: dt.datetime) -> None:
    presence = await _presence(session, user_id, now)
    presence.available, presence.updated_at = False, now


def pin_digest(secret: str, pin: str) -> str:
    """PINs are short; a keyed HMAC means a copy of the table alone does not reveal them."""
    return hmac.new(secret.encode(), f"staff-line-pin|{pin}".encode(), hashlib.sha256).hexdigest()


async def set_pin(session: AsyncSession, *, user_id: int, pin: str, secret: str, now: dt.datetime) -> None:
    if not pin.isdigit() or len(pin) not in PIN_LENGTHS:
        raise PresenceError("Die PIN muss aus 4 bis 8 Ziffern bestehen.")
    digest = pin_digest(secret, pin)
    taken = await session.scalar(
        select(CounsellorPresence.user_id).where(
            CounsellorPresence.pin_digest == digest, CounsellorPresence.user_id != user_id
        )
    )
    if taken is not None:
        raise PresenceError("Diese PIN ist schon vergeben. Bitte eine andere wählen.")
    presence = await _presence(session, user_id, now)
    presence.pin_digest, presence.updated_at = digest, now


async def counsellor_by_pin(session: AsyncSession, *, pin: str, secret: str) -> CounsellorPresence | None:
    if not pin.isdigit() or len(pin) not in PIN_LENGTHS:
        return None
    return await session.scalar(
        select(CounsellorPresence).where(
            CounsellorPresence.pin_digest == pin_digest(secret, pin),
            CounsellorPresence.user_id.in_(active_user_ids()),
        )
    )
