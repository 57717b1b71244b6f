"""Publishing and finding counselling slots, inside one transaction the caller owns."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from config.deployment import Deployment, Region
from routing.windows import within_hours
from staff.models import StaffUser
from video.errors import CounsellingRefused
from video.models import CounsellingBooking, CounsellingSlot
from video.vocabulary import MAX_WEEKS, SLOT_KINDS

MIN_MINUTES = 10
MAX_MINUTES = 240
BOOKING_DAYS = 14  # how far ahead the booking page offers slots


@dataclass(frozen=True, slots=True)
class NewSlots:
    """A counsellor's request to publish a slot, repeated weekly `weeks` times (1: once)."""

    region: Region
    counsellor_id: int
    start: dt.datetime
    minutes: int = 30
    kind: str = "either"
    reason: str | None = None
    weeks: int = 1


async def publish_slots(
    session: AsyncSession, new: NewSlots, *, deployment: Deployment, now: dt.datetime
) -> list[CounsellingSlot]:
    """Add the slots, or none of them: each must be in the future, of a sane length, inside the
    region's counselling hours unless a reason is given, and clear of the counsellor's others."""
    _check_shape(new, now)
    reason = (new.reason or "").strip() or None
    length = dt.timedelta(minutes=new.minutes)
    spans = [(start, start + length) for start in _local_starts(new, deployment)]
    if reason is None:
        if "counselling" not in new.region.hours:
            raise CounsellingRefused("no_counselling_hours", f"region {new.region.id} has no counselling hours")
        for start, end in spans:
            if not within_hours(new.region, "counselling", start, end, deployment):
                raise CounsellingRefused(
                    "outside_hours_without_reason",
                    f"{start.isoformat()} to {end.isoformat()} is outside the counselling hours; give a reason",
                )
    # Serialises one counsellor's publishing on PostgreSQL, so two overlapping requests at
    # once cannot both pass the check below; SQLite serialises writers anyway.
    await session.execute(select(StaffUser.id).where(StaffUser.id == new.counsellor_id).with_for_update())
    for start, end in spans:
        clash = await session.scalar(
            select(CounsellingSlot).where(
                CounsellingSlot.counsellor_id == new.counsellor_id,
                CounsellingSlot.withdrawn_at.is_(None),
                CounsellingSlot.starts_at < end,
                CounsellingSlot.ends_at > start,
            )
        )
        if clash is not None:
            raise CounsellingRefused(
                "slot_overlaps",
                f"{start.isoformat()} overlaps the slot {clash.starts_at.isoformat()} to {clash.ends_at.isoformat()}",
            )
    series = secrets.token_hex(8) if new.weeks > 1 else None
    slots = [
        CounsellingSlot(
            region=new.region.id,
            counsellor_id=new.counsellor_id,
            starts_at=start.astimezone(dt.UTC),
            ends_at=end.astimezone(dt.UTC),
            kind=new.kind,
            reason=reason,
            series=series,
            created_at=now,
        )
        for start, end in spans
    ]
    session.add_all(slots)
    await session.flush()
    return slots


def _check_shape(new: NewSlots, now: dt.datetime) -> None:
    if new.kind not in SLOT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(SLOT_KINDS)}")
    if new.start.tzinfo is None:
        raise ValueError("a slot's start must carry a time zone")
    if new.minutes < MIN_MINUTES:
        raise CounsellingRefused("slot_too_short", f"a slot lasts at least {MIN_MINUTES} minutes")
    if new.minutes > MAX_MINUTES:
        raise CounsellingRefused("slot_too_long", f"a slot lasts at most {MAX_MINUTES} minutes")
    if not 1 <= new.weeks <= MAX_WEEKS:
        raise ValueError(f"a slot repeats for 1 to {MAX_WEEKS} weeks")
    if new.start <= now:
        raise CounsellingRefused("slot_in_past", "a slot must start in the future")


def _local_starts(new: NewSlots, deployment: Deployment) -> list[dt.datetime]:
    """Weekly repetitions keep the local wall-clock time: 16:00 stays 16:00 after the clocks change."""
    zone = deployment.zone
    first = new.start.astimezone(zone).replace(tzinfo=None)
    starts = []
    for week in range(new.weeks):
        wall = first + dt.timedelta(weeks=week)
        starts.append(wall.replace(tzinfo=zone))
    return starts


async def free_slots(
    session: AsyncSession, *, region: str, now: dt.datetime, days: int = BOOKING_DAYS
) -> list[CounsellingSlot]:
    """Slots of `region` a customer can still book, from now for `days` days, earliest first."""
    held = select(CounsellingBooking.id).where(CounsellingBooking.holds_slot_id == CounsellingSlot.id)
    query = (
        select(CounsellingSlot)
        .where(
            CounsellingSlot.region == region,
            CounsellingSlot.withdrawn_at.is_(None),
            CounsellingSlot.starts_at > now,
            CounsellingSlot.starts_at < now + dt.timedelta(days=days),
            ~held.exists(),
        )
        .order_by(CounsellingSlot.starts_at, CounsellingSlot.id)
    )
    return list(await session.scalars(query))


async def counsellor_slots(
    session: AsyncSession, *, counsellor_id: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[CounsellingSlot, CounsellingBooking | None]]:
    """A counsellor's offered slots in [since, until) with the booking holding each, if any."""
    query = (
        select(CounsellingSlot, CounsellingBooking)
        .outerjoin(
            CounsellingBooking,
            and_(
                CounsellingBooking.slot_id == CounsellingSlot.id,
                CounsellingBooking.status.in_(("booked", "held", "no_show")),
            ),
        )
        .where(
            CounsellingSlot.counsellor_id == counsellor_id,
            CounsellingSlot.withdrawn_at.is_(None),
            CounsellingSlot.ends_at > since,
            CounsellingSlot.starts_at < until,
        )
        .order_by(CounsellingSlot.starts_at)
    )
    return [(slot, booking) for slot, booking in (await session.execute(query)).all()]
