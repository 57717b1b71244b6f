"""Retention of call rows: what the edge remembered about a call (no number) goes with the
contact log, after `retention.contact_log_months`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from telephony.inbound.models import Call


async def delete_calls_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    """Delete the rows of calls that began before `cutoff`; returns how many."""
    result = await session.execute(
        delete(Call).where(Call.started_at < cutoff).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
