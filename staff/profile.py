"""A staff member's own profile: the phone the service rings for them, set once and used for
queue calls and for calling customers back alike."""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staff.models import StaffUser

MAX_PHONE_INPUT = 40


class ProfileError(ValueError):
    """A profile change that cannot be made; the message says why (German, shown on the page)."""


INVALID_PHONE = "Bitte eine gültige Telefonnummer angeben, z. B. 02241 9000 123 oder 0171 2223334."


def parse_phone(text: str, default_region: str = "DE") -> str:
    """The E.164 form of a phone number typed in any usual notation; ProfileError if it is none."""
    if len(text) > MAX_PHONE_INPUT:
        raise ProfileError(INVALID_PHONE)
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise ProfileError(INVALID_PHONE) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ProfileError(INVALID_PHONE)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


async def set_phone(session: AsyncSession, user_id: int, phone: str | None) -> None:
    """Keep `phone` (E.164, already parsed) as the member's phone; None forgets it."""
    user = await session.get(StaffUser, user_id)
    if user is None:
        raise ProfileError("Dieses Konto gibt es nicht mehr.")
    user.phone = phone


async def phone_of(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(select(StaffUser.phone).where(StaffUser.id == user_id))


async def phones_of(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, str]:
    """The phones of those of these members who have set one."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(StaffUser.id, StaffUser.phone).where(StaffUser.id.in_(wanted), StaffUser.phone.is_not(None))
    )
    return {user_id: phone for user_id, phone in rows if phone is not None}


async def members_with_phone(session: AsyncSession, phone: str) -> list[int]:
    """Who keeps `phone` on their profile (a shared desk phone may name several)."""
    return list(await session.scalars(select(StaffUser.id).where(StaffUser.phone == phone)))
