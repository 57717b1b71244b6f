"""The staff line: a counsellor dials in, keys in their PIN and takes the next waiting caller.

A PIN is never searched for. It is checked against one counsellor only, recognised either by the
caller number (one of the phones they keep on /counsellor) or by the staff number they key in
first, so a guess tells nothing about anyone else's PIN. PINs are issued by the service (random,
six digits), never chosen, so there is nothing to collide and no "already taken" to answer.

Wrong PINs are counted per caller number, stored as a keyed pseudonym; too many in the window
block the number on the staff line for a while. Withheld numbers share one bucket with a lower
allowance, so hiding the number buys an attacker nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staff.accounts import as_member
from staff.models import StaffUser
from staff.profile import members_with_phone
from telephony.counsellors.availability import PresenceError, ensure_presence
from telephony.counsellors.dispatch import waiting_callers
from telephony.counsellors.models import CounsellorPresence, StaffLineBlock, StaffLineFailure, StaffLinePhone

log = logging.getLogger("hotline.staff_line")
PIN_DIGITS = 6
STAFF_NUMBER_DIGITS = 5
MAX_EXTRA_PHONES = 3  # desk, mobile, home office: more is a list nobody keeps up to date
_STAFF_NUMBER_TRIES = 20


@dataclass(frozen=True, slots=True)
class StaffLineLimit:
    """Wrong PINs allowed per caller number before the staff line refuses it for `block`.

    Five in fifteen minutes leaves room for a counsellor's typos; it lets a guesser try 480 of the
    million PINs a day from one number. All withheld numbers share one allowance of three.
    """

    wrong_pins: int = 5
    withheld_wrong_pins: int = 3
    window: dt.timedelta = dt.timedelta(minutes=15)
    block: dt.timedelta = dt.timedelta(minutes=15)

    def __post_init__(self) -> None:
        if min(self.wrong_pins, self.withheld_wrong_pins) < 1:
            raise ValueError("the staff line allows at least one wrong PIN")


# --- issuing PINs and keeping phones (the counsellor's page) -------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedPin:
    """A fresh PIN, to be shown once; only its digest is stored."""

    pin: str
    staff_number: str


def pin_digest(secret: str, user_id: int, pin: str) -> str:
    """PINs are short; a keyed HMAC means a copy of the table alone does not reveal them, and the
    user id in it means two counsellors with the same PIN do not share a digest."""
    return hmac.new(secret.encode(), f"staff-line-pin|{user_id}|{pin}".encode(), hashlib.sha256).hexdigest()


async def issue_pin(session: AsyncSession, *, user_id: int, secret: str, now: dt.datetime) -> IssuedPin:
    """Give the counsellor a new random PIN (the old one stops working) and, the first time, a staff number."""
    presence = await ensure_presence(session, user_id, now)
    if presence.staff_number is None:
        presence.staff_number = await _free_staff_number(session)
    pin = f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"
    # Not `updated_at`: it orders who has been idle longest, which a new PIN does not change.
    presence.pin_digest, presence.pin_issued_at = pin_digest(secret, user_id, pin), now
    log.info("staff line PIN issued", extra={"user": user_id})
    return IssuedPin(pin=pin, staff_number=presence.staff_number)


async def _free_staff_number(session: AsyncSession) -> str:
    # Random rather than counted up, so the numbers in use cannot be walked through one by one.
    # Staff numbers are not secret (the PIN is), and the service picks them: no one learns from a clash.
    low = 10 ** (STAFF_NUMBER_DIGITS - 1)
    for _ in range(_STAFF_NUMBER_TRIES):
        candidate = str(low + secrets.randbelow(9 * low))
        taken = await session.scalar(
            select(CounsellorPresence.user_id).where(CounsellorPresence.staff_number == candidate)
        )
        if taken is None:
            return candidate
    raise PresenceError("Es konnte keine Personalnummer vergeben werden. Bitte noch einmal versuchen.")


async def staff_line_phones(session: AsyncSession, user_id: int) -> list[str]:
    """The further phones from which the counsellor's PIN alone suffices (the rung phone counts too)."""
    rows = await session.scalars(
        select(StaffLinePhone.number).where(StaffLinePhone.user_id == user_id).order_by(StaffLinePhone.added_at)
    )
    return list(rows)


async def add_staff_line_phone(session: AsyncSession, *, user_id: int, number: str, now: dt.datetime) -> None:
    """Let the PIN alone work from `number` (E.164) too.

    A number a colleague keeps as well is allowed and says nothing about them: from a shared
    phone the staff line simply asks for the staff number first.
    """
    numbers = await staff_line_phones(session, user_id)
    if number in numbers:
        return
    if len(numbers) >= MAX_EXTRA_PHONES:
        raise PresenceError("Es können höchstens drei weitere Telefone gespeichert werden.")
    session.add(StaffLinePhone(user_id=user_id, number=number, added_at=now))


async def remove_staff_line_phone(session: AsyncSession, *, user_id: int, number: str) -> None:
    await session.execute(
        delete(StaffLinePhone).where(StaffLinePhone.user_id == user_id, StaffLinePhone.number == number)
    )


# --- the call -------------------------------------------------------------------------------------

Step = Literal["arrival", "staff_number", "pin"]


@dataclass(frozen=True, slots=True)
class StaffLineCall:
    """One step of a call on a region's staff line, as the webhook saw it."""

    region_id: str
    caller: str | None  # the caller ID in E.164; None when withheld or not a phone number
    step: Step
    digits: str | None = None  # what was keyed in at this step
    staff_number: str | None = None  # keyed in at the previous step, when the PIN follows it
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class Refused:
    """The caller number is blocked after too many wrong PINs, until `until`."""

    until: dt.datetime


@dataclass(frozen=True, slots=True)
class AskForStaffNumber:
    attempt: int
    wrong: bool = False


@dataclass(frozen=True, slots=True)
class AskForPin:
    attempt: int
    staff_number: str | None  # None: the caller number named the counsellor
    wrong: bool = False


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Wrong too often in this call: a polite goodbye."""

    by_staff_number: bool  # the caller keyed in a staff number, so either it or the PIN was wrong


@dataclass(frozen=True, slots=True)
class Bridge:
    """The right PIN: connect with the longest-waiting caller of `region_id`."""

    region_id: str
    user_id: int


@dataclass(frozen=True, slots=True)
class NobodyWaiting:
    user_id: int


StaffLineAnswer = Refused | AskForStaffNumber | AskForPin | GiveUp | Bridge | NobodyWaiting


async def take_staff_line_call(
    session: AsyncSession,
    call: StaffLineCall,
    *,
    secret: str,
    now: dt.datetime,
    max_attempts: int,
    limit: StaffLineLimit = StaffLineLimit(),
) -> StaffLineAnswer:
    """What the staff line does next. Run it in a transaction: a wrong PIN is counted."""
    key = caller_key(secret, call.caller)
    blocked = await session.scalar(
        select(StaffLineBlock.until).where(StaffLineBlock.caller_key == key, StaffLineBlock.until > now)
    )
    if blocked is not None:
        return Refused(until=blocked)
    digits = (call.digits or "").rstrip("#")
    if call.step == "arrival":
        if call.caller is not None and await _counsellor_on_phone(session, call.caller) is not None:
            return AskForPin(attempt=1, staff_number=None)
        return AskForStaffNumber(attempt=1)
    if not digits:  # nothing keyed in: no guess to count, but the call's attempts are spent
        if call.attempt >= max_attempts:
            return GiveUp(by_staff_number=call.step == "staff_number" or call.staff_number is not None)
        if call.step == "staff_number":
            return AskForStaffNumber(attempt=call.attempt + 1)
        return AskForPin(attempt=call.attempt + 1, staff_number=call.staff_number)
    if call.step == "staff_number":
        # Whether the number exists is not said: the PIN is asked for either way.
        return AskForPin(attempt=call.attempt, staff_number=digits)
    if call.staff_number is not None:
        user_id = await _counsellor_by_staff_number(session, call.staff_number)
    else:
        user_id = await _counsellor_on_phone(session, call.caller) if call.caller else None
    presence = await _pin_holder(session, user_id) if user_id is not None else None
    if presence is not None and _pin_matches(presence, digits, secret):
        waiting = await waiting_callers(session)
        regions = [r for r in (presence.regions or [call.region_id]) if r in waiting]
        log.info("staff line opened", extra={"user": presence.user_id, "region": call.region_id})
        if not regions:
            return NobodyWaiting(user_id=presence.user_id)
        return Bridge(region_id=min(regions, key=lambda r: waiting[r][1]), user_id=presence.user_id)
    until = await _count_wrong_pin(session, key, now, limit, withheld=call.caller is None)
    log.warning(
        "wrong PIN on the staff line",
        extra={
            "region": call.region_id,
            "attempt": call.attempt,
            "user": user_id,  # whose PIN is being tried, if anyone's; never the caller number
            "by_staff_number": call.staff_number is not None,
            "withheld": call.caller is None,
        },
    )
    if until is not None:
        return Refused(until=until)
    if call.attempt >= max_attempts:
        return GiveUp(by_staff_number=call.staff_number is not None)
    if call.staff_number is not None:
        return AskForStaffNumber(attempt=call.attempt + 1, wrong=True)
    return AskForPin(attempt=call.attempt + 1, staff_number=None, wrong=True)


def caller_key(secret: str, caller: str | None) -> str:
    """A pseudonym of the caller number under a key of its own (unlike the contact log's, so the
    two cannot be joined); every withheld number gets the same one."""
    key = hmac.new(secret.encode(), b"hotline staff line caller v1", hashlib.sha256).digest()
    return hmac.new(key, (caller or "withheld").encode(), hashlib.sha256).hexdigest()


async def _counsellor_on_phone(session: AsyncSession, caller: str) -> int | None:
    """The one counsellor who keeps `caller` as a phone; None if nobody or several do (a shared
    phone names no one: the staff number has to)."""
    rung = await members_with_phone(session, caller)
    further = await session.scalars(select(StaffLinePhone.user_id).where(StaffLinePhone.number == caller))
    users = {*rung, *further}
    return users.pop() if len(users) == 1 else None


async def _counsellor_by_staff_number(session: AsyncSession, staff_number: str) -> int | None:
    return await session.scalar(
        select(CounsellorPresence.user_id).where(CounsellorPresence.staff_number == staff_number)
    )


async def _pin_holder(session: AsyncSession, user_id: int) -> CounsellorPresence | None:
    """The counsellor's presence, if they may still take calls (an account closed since does not)."""
    user = await session.get(StaffUser, user_id)
    if user is None or not user.active or not as_member(user).has_any_role(["counsellor"]):
        return None
    return await session.get(CounsellorPresence, user_id)


def _pin_matches(presence: CounsellorPresence, pin: str, secret: str) -> bool:
    if presence.pin_digest is None or not pin.isdigit() or len(pin) != PIN_DIGITS:
        return False
    return hmac.compare_digest(presence.pin_digest, pin_digest(secret, presence.user_id, pin))


async def _count_wrong_pin(
    session: AsyncSession, key: str, now: dt.datetime, limit: StaffLineLimit, *, withheld: bool
) -> dt.datetime | None:
    """Count a wrong PIN of `key`; if it fills the allowance, block the key and return until when."""
    await session.execute(delete(StaffLineFailure).where(StaffLineFailure.at <= now - limit.window))
    await session.execute(delete(StaffLineBlock).where(StaffLineBlock.until <= now))
    await _lock_key(session, key)
    session.add(StaffLineFailure(caller_key=key, at=now))
    await session.flush()
    count = await session.scalar(
        select(func.count())
        .select_from(StaffLineFailure)
        .where(StaffLineFailure.caller_key == key, StaffLineFailure.at > now - limit.window)
    )
    if (count or 0) < (limit.withheld_wrong_pins if withheld else limit.wrong_pins):
        return None
    until = now + limit.block
    # The count starts afresh after the block: the block, not old failures, is the penalty.
    await session.execute(delete(StaffLineFailure).where(StaffLineFailure.caller_key == key))
    block = await session.get(StaffLineBlock, key)
    if block is None:
        session.add(StaffLineBlock(caller_key=key, until=until))
    else:
        block.until = until
    log.warning(
        "staff line blocks a caller number after wrong PINs",
        extra={"withheld": withheld, "until": until.isoformat(), "wrong_pins": count},
    )
    return until


async def _lock_key(session: AsyncSession, key: str) -> None:
    """On PostgreSQL, one transaction at a time counts a key, so two processes cannot both miss
    the last allowed failure; on SQLite the IMMEDIATE transaction already excludes other writers."""
    if session.get_bind().dialect.name != "postgresql":
        return
    lock_id = int.from_bytes(hashlib.blake2b(f"staff-line|{key}".encode(), digest_size=8).digest(), "big", signed=True)
    await session.execute(select(func.pg_advisory_xact_lock(lock_id)))
