"""Retention of the contact log: events older than the statistics period are deleted. They hold
pseudonyms, never numbers; the planner's quarter-hour counts of them stay (planning/rollups.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from contacts.models import ContactEvent


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same instant `months` calendar months earlier, on the last day of a shorter month;
    cut to the whole hour, so retention never splits an hour (or a quarter hour) of the log."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    day = min(moment.day, (following - dt.timedelta(days=1)).day)
    return moment.replace(year=year, month=month, day=day, minute=0, second=0, microsecond=0)


async def delete_contact_events_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    """Delete the events that happened before `cutoff`; returns how many."""
    result = await session.execute(
        delete(ContactEvent).where(ContactEvent.occurred_at < cutoff).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
