"""What the worklist and the status board show: queries over the concern queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.claims import queue_order
from callbacks.models import MERGED, CallbackAttempt, Concern, ConcernEntry


@dataclass(frozen=True)
class Filters:
    regions: Sequence[str]
    channel: str | None = None
    topic: str | None = None
    status: str = "open"


async def worklist(session: AsyncSession, filters: Filters, limit: int = 200) -> list[Concern]:
    """Concerns of the regions in queue order (due time, urgency, age)."""
    query = select(Concern).where(Concern.region.in_(filters.regions), Concern.status == filters.status)
    if filters.channel:
        query = query.where(Concern.channel == filters.channel)
    if filters.topic:
        query = query.where(Concern.topic == filters.topic)
    return list(await session.scalars(query.order_by(*queue_order()).limit(limit)))


def due_state(concern: Concern, now: dt.datetime, due_soon: dt.timedelta) -> str:
    """overdue, due_soon or on_time, for colour and text on the worklist."""
    if concern.status == "closed":
        return "closed"
    if now >= concern.due_at:
        return "overdue"
    return "due_soon" if concern.due_at - now <= due_soon else "on_time"


async def history(session: AsyncSession, concern: Concern) -> list[ConcernEntry]:
    return list(
        await session.scalars(
            select(ConcernEntry).where(ConcernEntry.concern_id == concern.id).order_by(ConcernEntry.at, ConcernEntry.id)
        )
    )


async def attempts_of(session: AsyncSession, concern: Concern) -> list[CallbackAttempt]:
    return list(
        await session.scalars(
            select(CallbackAttempt).where(CallbackAttempt.concern_id == concern.id).order_by(CallbackAttempt.id)
        )
    )


@dataclass(frozen=True)
class Board:
    region: str
    open: int
    due_today: int
    overdue: int
    unreachable: int
    settled_this_week: int
    settled_within_promise: int

    @property
    def promise_kept_percent(self) -> float | None:
        if not self.settled_this_week:
            return None
        return round(100 * self.settled_within_promise / self.settled_this_week, 1)


async def status_board(session: AsyncSession, region: str, now: dt.datetime, zone: ZoneInfo) -> Board:
    """The figures the job centre reports: open, due today, overdue, settled within the promise."""
    local = now.astimezone(zone)
    end_of_today = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), zone)
    week_start = dt.datetime.combine(local.date() - dt.timedelta(days=local.weekday()), dt.time(), zone)
    in_region = Concern.region == region
    # A concern staff merged into another was not settled on its own; the other one counts.
    settled = and_(Concern.status == "closed", or_(Concern.outcome.is_(None), Concern.outcome != MERGED))

    async def count(*conditions: object) -> int:
        return int(await session.scalar(select(func.count()).select_from(Concern).where(in_region, *conditions)) or 0)  # type: ignore[arg-type]

    return Board(
        region=region,
        open=await count(Concern.status == "open"),
        due_today=await count(Concern.status == "open", Concern.due_at < end_of_today, Concern.due_at >= now),
        overdue=await count(Concern.status == "open", Concern.due_at < now),
        unreachable=await count(Concern.status == "unreachable"),
        settled_this_week=await count(settled, Concern.closed_at >= week_start),
        settled_within_promise=await count(
            settled, Concern.closed_at >= week_start, Concern.closed_at <= Concern.due_at
        ),
    )
