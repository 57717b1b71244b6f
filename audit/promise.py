"""The promise report: concerns settled within their promise (same day for urgent ones, 48 working
hours otherwise, as `due_at` holds it) by region, week, channel and urgency, and each one that was not.

A concern counts in the period it was raised in. Kept: settled by its due time. Not kept: closed
after its due time ("late"), given up as unreachable ("unreachable"), or still open past its due
time ("open"). Concerns still open before their due time are pending, and neither; concerns merged
into another are counted with that other one; concerns withdrawn on the customer's request for
erasure are not counted. Nothing personal leaves the concerns table here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.models import MERGED, WITHDRAWN, Concern

Reason = Literal["late", "unreachable", "open"]
REASONS: tuple[Reason, ...] = ("late", "unreachable", "open")
DIMENSIONS = ("region", "week", "channel", "urgency")
Dimension = Literal["region", "week", "channel", "urgency"]


@dataclass(frozen=True, slots=True)
class ConcernOutcome:
    """One concern as the report needs it: no name, number, note or recording."""

    reference: str
    region: str
    channel: str
    urgency: str
    created_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    reason: Reason | None  # None: kept, or still pending
    pending: bool


@dataclass
class PromiseTally:
    """Counts of one row of the report."""

    key: str
    week: dt.date | None = None  # the local Monday, for rows of the week dimension
    concerns: int = 0
    kept: int = 0
    reasons: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    pending: int = 0

    @property
    def decided(self) -> int:
        return self.concerns - self.pending

    @property
    def share_kept(self) -> float | None:
        return self.kept / self.decided if self.decided else None

    def count(self, outcome: ConcernOutcome) -> None:
        self.concerns += 1
        if outcome.pending:
            self.pending += 1
        elif outcome.reason is None:
            self.kept += 1
        else:
            self.reasons[outcome.reason] += 1


@dataclass(frozen=True)
class PromiseReport:
    since: dt.datetime
    until: dt.datetime
    total: PromiseTally
    tallies: dict[str, list[PromiseTally]]  # by dimension, rows sorted by key
    broken: list[ConcernOutcome]  # every concern whose promise was not kept, oldest first


class ConcernFacts(Protocol):
    """The columns of a concern the report reads."""

    reference: str
    region: str
    channel: str
    urgency: str
    status: str
    created_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None


_FACTS = (
    Concern.reference,
    Concern.region,
    Concern.channel,
    Concern.urgency,
    Concern.status,
    Concern.created_at,
    Concern.due_at,
    Concern.closed_at,
)


def judge(concern: ConcernFacts, now: dt.datetime) -> ConcernOutcome:
    """Whether the promise to this concern was kept, and if not, why."""
    reason: Reason | None = None
    pending = False
    if concern.status == "unreachable":
        reason = "unreachable"
    elif concern.status == "closed":
        reason = "late" if concern.closed_at is not None and concern.closed_at > concern.due_at else None
    elif now > concern.due_at:
        reason = "open"
    else:
        pending = True
    return ConcernOutcome(
        reference=concern.reference,
        region=concern.region,
        channel=concern.channel,
        urgency=concern.urgency,
        created_at=concern.created_at,
        due_at=concern.due_at,
        closed_at=concern.closed_at,
        reason=reason,
        pending=pending,
    )


async def promise_report(
    session: AsyncSession,
    *,
    since: dt.datetime,
    until: dt.datetime,
    region: str | None,
    now: dt.datetime,
    zone: ZoneInfo,
) -> PromiseReport:
    """The report over concerns raised in [since, until), of one region or all."""
    query = (
        select(*_FACTS)
        .where(Concern.created_at >= since, Concern.created_at < until)
        .where(Concern.outcome.is_(None) | Concern.outcome.not_in((MERGED, WITHDRAWN)))
        .order_by(Concern.created_at, Concern.id)
    )
    if region is not None:
        query = query.where(Concern.region == region)
    outcomes = [judge(row, now) for row in await session.execute(query)]
    return tally(outcomes, since=since, until=until, zone=zone)


def tally(
    outcomes: Iterable[ConcernOutcome], *, since: dt.datetime, until: dt.datetime, zone: ZoneInfo
) -> PromiseReport:
    """Count outcomes by every dimension at once."""
    keys: dict[str, Callable[[ConcernOutcome], str]] = {
        "region": lambda o: o.region,
        "week": lambda o: week_of(o.created_at, zone).isoformat(),
        "channel": lambda o: o.channel,
        "urgency": lambda o: o.urgency,
    }
    total = PromiseTally("")
    by: dict[str, dict[str, PromiseTally]] = {d: defaultdict(lambda: PromiseTally("")) for d in DIMENSIONS}
    broken: list[ConcernOutcome] = []
    for outcome in outcomes:
        total.count(outcome)
        for dimension, key_of in keys.items():
            key = key_of(outcome)
            row = by[dimension][key]
            row.key = key
            row.week = week_of(outcome.created_at, zone) if dimension == "week" else None
            row.count(outcome)
        if outcome.reason is not None:
            broken.append(outcome)
    tallies = {d: [by[d][k] for k in sorted(by[d])] for d in DIMENSIONS}
    return PromiseReport(since, until, total, tallies, broken)


def week_of(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The local Monday of the week a moment falls in."""
    day = moment.astimezone(zone).date()
    return day - dt.timedelta(days=day.weekday())
