"""Scheduled work runs once across all service processes: a job takes a lease in the database
for its round; a process that dies lets the lease run out and another takes over."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import UTCDateTime


class JobLease(Base):
    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(60))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


async def take_lease(session: AsyncSession, *, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
    """True if `holder` may run job `name` now (it holds the lease until now + ttl)."""
    taken = await session.execute(
        update(JobLease)
        .where(JobLease.name == name, or_(JobLease.expires_at <= now, JobLease.holder == holder))
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0):
        return True
    try:
        async with session.begin_nested():
            session.add(JobLease(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False  # another process holds it
    return True


async def release_lease(session: AsyncSession, *, name: str, holder: str, now: dt.datetime) -> None:
    """Give the lease back before it runs out, so another process need not wait for it."""
    await session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.holder == holder)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
