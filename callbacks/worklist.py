"""What the worklist and the status board show: queries over the concern queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.claims import queue_order
from callbacks.linked_concerns import linked_references
from callbacks.models import MERGED, CallbackAttempt, Concern, ConcernEntry
from staff.models import StaffUser

STATUS_FILTERS = ("open", "claimed", "unreachable", "closed")  # "claimed": open and held by someone now
SORT_KEYS = ("due", "received", "region", "name", "language", "topic", "channel", "attempts", "holder")
LABELLED = ("region", "language", "topic", "channel")  # columns shown by name, sorted by the name shown


@dataclass(frozen=True)
class Filters:
    regions: Sequence[str]
    channel: str | None = None
    topic: str | None = None
    status: str = "open"  # one of STATUS_FILTERS
    # Closed and unreachable concerns from this moment on (closed, resp. raised); None: all.
    settled_since: dt.datetime | None = None


@dataclass(frozen=True)
class Order:
    """The column to sort by. `labels` maps each labelled column's codes to the names the page
    shows (region ids to region names, language codes to language names, ...), so that "Sprache"
    sorts by "Arabisch, Deutsch, Türkisch" and not by "ar, de, tr"."""

    key: str = "due"
    descending: bool = False
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Listed:
    """One row of the worklist: the concern and who holds it (the live claim's holder, or for a
    closed concern the one who closed it), by display name."""

    concern: Concern
    holder: str | None


def _live_claim(now: dt.datetime) -> ColumnElement[bool]:
    return and_(Concern.claimed_by.is_not(None), Concern.claim_expires_at > now)


def _conditions(filters: Filters, now: dt.datetime) -> list[ColumnElement[bool]]:
    status = "open" if filters.status == "claimed" else filters.status
    conditions = [Concern.region.in_(filters.regions), Concern.status == status]
    if filters.status == "claimed":
        conditions.append(_live_claim(now))
    if filters.settled_since is not None and filters.status == "closed":
        conditions.append(Concern.closed_at > filters.settled_since)
    if filters.settled_since is not None and filters.status == "unreachable":
        # As retention counts it: an unreachable concern's data go that long after it was raised.
        conditions.append(Concern.created_at > filters.settled_since)
    if filters.channel:
        conditions.append(Concern.channel == filters.channel)
    if filters.topic:
        conditions.append(Concern.topic == filters.topic)
    return conditions


def _sort_columns(order: Order, holder_name: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """The ORDER BY of the chosen column, empty values last either way, queue order breaking ties."""
    if order.key not in SORT_KEYS or order.key == "due":
        tail = list(queue_order())
        if order.descending:
            return [column.desc() for column in tail]
        return tail  # type: ignore[return-value]
    column: ColumnElement[Any]
    if order.key in LABELLED:
        code: ColumnElement[Any] = getattr(Concern, order.key)
        names = order.labels.get(order.key) or {}
        column = case(dict(names), value=code, else_=code) if names else code
    elif order.key == "received":
        column = Concern.created_at  # type: ignore[assignment]
    elif order.key == "name":
        column = func.lower(Concern.customer_name)
    elif order.key == "attempts":
        column = Concern.attempts  # type: ignore[assignment]
    else:
        column = func.lower(holder_name)
    first = (column.desc() if order.descending else column.asc()).nulls_last()
    return [first, *queue_order()]  # type: ignore[list-item]


async def worklist(
    session: AsyncSession,
    filters: Filters,
    *,
    now: dt.datetime,
    order: Order | None = None,
    offset: int = 0,
    limit: int = 200,
) -> list[Listed]:
    """Concerns of the regions, by default in queue order (due time, urgency, age)."""
    holder_id = case(
        (Concern.status == "closed", Concern.closed_by), (_live_claim(now), Concern.claimed_by), else_=None
    )
    query = (
        select(Concern, StaffUser.display_name)
        .outerjoin(StaffUser, StaffUser.id == holder_id)
        .where(*_conditions(filters, now))
        .order_by(*_sort_columns(order or Order(), StaffUser.display_name))  # type: ignore[arg-type]
        .offset(offset)
        .limit(limit)
    )
    return [Listed(concern, holder) for concern, holder in await session.execute(query)]


async def count_worklist(session: AsyncSession, filters: Filters, *, now: dt.datetime) -> int:
    """How many concerns the filters find, for the page count."""
    query = select(func.count()).select_from(Concern).where(*_conditions(filters, now))
    return int(await session.scalar(query) or 0)


@dataclass(frozen=True)
class WorklistPage:
    """One page of the worklist: its rows, the references they are linked to (by concern id),
    how many concerns the filters find in all, and which page of how many this is."""

    rows: list[Listed]
    linked: dict[int, str]
    total: int
    number: int
    pages: int


async def worklist_page(
    session: AsyncSession, filters: Filters, order: Order, *, now: dt.datetime, number: int, size: int
) -> WorklistPage:
    """Page `number` (from 1; past the last, the last) of the worklist, `size` rows a page."""
    total = await count_worklist(session, filters, now=now)
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    rows = await worklist(session, filters, now=now, order=order, offset=(number - 1) * size, limit=size)
    linked = await linked_references(session, [row.concern for row in rows])
    return WorklistPage(rows, linked, total, number, pages)


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


async def latest_attempt(session: AsyncSession, concern: Concern) -> CallbackAttempt | None:
    return await session.scalar(
        select(CallbackAttempt)
        .where(CallbackAttempt.concern_id == concern.id)
        .order_by(CallbackAttempt.id.desc())
        .limit(1)
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
    def promise_kept_share(self) -> float | None:
        """Settled within the promise, as a share of all settled this week (0.873); None if none were."""
        if not self.settled_this_week:
            return None
        return self.settled_within_promise / self.settled_this_week


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
