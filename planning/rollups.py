"""Keeping the quarter-hour roll-ups up to date, and reading them.

`refresh` rolls up what was logged since the last round (by event id) and, always, the last
hour: an event committed a moment late on PostgreSQL (a lower id after a higher one) lands
there. When the counting rules of the deployment file change, every roll-up is counted again.
`rebuild` counts a stretch from scratch, a week at a time so memory stays flat, for the demo
data and for changed rules.

Retention deletes the contact log's oldest events (`keep_rollups_of_deleted_events`); the
quarter hours counted from them stay as they are. No later round counts a quarter hour again
whose events, or whose look-back (the repeat window, a counsellor's open availability), reach
back before where the log now begins: counted again it would lose what was deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts.models import ContactEvent
from planning.counting import CALL_SPAN, MAX_AVAILABLE_SPAN, QUARTER, CountingRules, Event, count, quarter_of
from planning.models import COUNT_COLUMNS, CapacityInterval, RollupState

CHUNK = dt.timedelta(days=7)
ALWAYS_AGAIN = dt.timedelta(hours=1)
_INTERVALS = cast(Table, CapacityInterval.__table__)
_STATE_ID = 1
_E = ContactEvent
_EVENT_COLUMNS = (
    _E.occurred_at,
    _E.region,
    _E.channel,
    _E.kind,
    _E.caller_pseudonym,
    _E.reference,
    _E.duration_seconds,
    _E.wait_seconds,
    _E.detail,
)


async def refresh(sessions: async_sessionmaker[AsyncSession], *, rules: CountingRules, now: dt.datetime) -> int:
    """Bring the roll-ups up to `now`; returns how many quarter hours were counted."""
    async with sessions() as session:
        state = await session.get(RollupState, _STATE_ID)
        newest = await session.scalar(select(func.max(_E.id)))
        if newest is None:
            return 0
        last_seen = state.last_event_id if state is not None and state.settings_key == rules.key else 0
        earliest = await session.scalar(select(func.min(_E.occurred_at)).where(_E.id > last_seen))
    since = now - ALWAYS_AGAIN
    if earliest is not None:
        since = min(since, earliest - CALL_SPAN)
    counted = await rebuild(sessions, since=since, until=now, rules=rules)
    async with sessions.begin() as session:
        state = await session.get(RollupState, _STATE_ID)
        if state is None:
            session.add(RollupState(id=_STATE_ID, settings_key=rules.key, last_event_id=newest, rolled_at=now))
        else:
            state.settings_key, state.last_event_id, state.rolled_at = rules.key, newest, now
    return counted


async def rebuild(
    sessions: async_sessionmaker[AsyncSession], *, since: dt.datetime, until: dt.datetime, rules: CountingRules
) -> int:
    """Count the quarter hours from `since` to `until` (widened to whole quarter hours) again,
    but none that retention made final (see `final_before`)."""
    lookback = max(rules.repeat_window, MAX_AVAILABLE_SPAN)
    async with sessions() as session:
        state = await session.get(RollupState, _STATE_ID)
        log_from = state.contact_log_from if state is not None else None
    start, end = quarter_of(since), quarter_of(until) + QUARTER
    if log_from is not None:
        start = max(start, final_before(log_from, lookback))
    counted = 0
    while start < end:
        stop = min(end, start + CHUNK)
        async with sessions.begin() as session:
            events = await _events(session, start - lookback, stop + CALL_SPAN)
            rows = count(events, since=start, until=stop, rules=rules)
            await session.execute(
                delete(CapacityInterval).where(CapacityInterval.starts_at >= start, CapacityInterval.starts_at < stop)
            )
            if rows:
                values = [{"region": region, "starts_at": at, **row} for (region, at), row in rows.items()]
                await session.execute(insert(_INTERVALS), values)
        counted += len(rows)
        start = stop
    return counted


def final_before(contact_log_from: dt.datetime, lookback: dt.timedelta) -> dt.datetime:
    """The first quarter hour whose every event and look-back is still in the log."""
    first = contact_log_from + lookback
    floor = quarter_of(first)
    return floor if floor == first else floor + QUARTER


async def keep_rollups_of_deleted_events(session: AsyncSession, contact_log_from: dt.datetime) -> None:
    """Note that the contact log now begins at `contact_log_from` (its older events are being
    deleted in this transaction), so their roll-ups are never counted again. Without roll-ups
    yet there is nothing to keep: the first round counts what is left."""
    state = await session.get(RollupState, _STATE_ID, with_for_update=True)
    if state is not None and (state.contact_log_from is None or state.contact_log_from < contact_log_from):
        state.contact_log_from = contact_log_from


async def _events(session: AsyncSession, since: dt.datetime, until: dt.datetime) -> list[Event]:
    result = await session.execute(
        select(*_EVENT_COLUMNS).where(_E.occurred_at >= since, _E.occurred_at < until).order_by(_E.occurred_at, _E.id)
    )
    return [Event(*row) for row in result]


async def read_intervals(
    session: AsyncSession, *, since: dt.datetime, until: dt.datetime, regions: Sequence[str] | None
) -> list[tuple[dt.datetime, Sequence[int]]]:
    """The roll-ups of [since, until), summed over `regions` (None: all), oldest first; the
    counts in `COUNT_COLUMNS` order."""
    sums = [func.sum(getattr(CapacityInterval, name)) for name in COUNT_COLUMNS]
    query = (
        select(CapacityInterval.starts_at, *sums)
        .where(CapacityInterval.starts_at >= since, CapacityInterval.starts_at < until)
        .group_by(CapacityInterval.starts_at)
        .order_by(CapacityInterval.starts_at)
    )
    if regions is not None:
        query = query.where(CapacityInterval.region.in_(regions))
    result = await session.execute(query)
    return [(row[0], row[1:]) for row in result]  # a group has rows, so no sum is NULL
