"""Ringing available counsellors for waiting callers, longest-waiting region first.

Safe with several service processes on one database: a counsellor is claimed in a transaction
(PostgreSQL skips rows another process holds; SQLite serialises writers) and marked "pending"
before the call is placed outside it, so no counsellor is rung twice at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.deployment import Deployment
from staff.accounts import active_user_ids
from staff.profile import phones_of
from storage.clock import Clock
from telephony.counsellors.models import CounsellorPresence
from telephony.edge.links import Links
from telephony.inbound.models import Call
from telephony.outbound.port import OutboundError, OutboundPort

log = logging.getLogger("hotline.dispatch")
PENDING = "pending"
STALE_PENDING = dt.timedelta(minutes=2)  # a process that died while placing a call
STALE_BUSY = dt.timedelta(hours=4)  # a lost status callback must not keep a counsellor busy forever
RING_SECONDS = 20


@dataclass(frozen=True, slots=True)
class Ring:
    user_id: int
    phone: str
    region: str


async def waiting_callers(session: AsyncSession) -> dict[str, tuple[int, dt.datetime]]:
    """Per region: how many callers wait in the queue and since when the first of them."""
    rows = await session.execute(
        select(Call.region, func.count(), func.min(Call.queued_at))
        .where(
            Call.queued_at.is_not(None),
            Call.answered_at.is_(None),
            Call.ended_at.is_(None),
            Call.queue_choice.is_(None),
            Call.direction == "inbound",
        )
        .group_by(Call.region)
    )
    return {region: (int(count), oldest) for region, count, oldest in rows if oldest is not None}


async def claim_rings(session: AsyncSession, now: dt.datetime) -> list[Ring]:
    """Pick which free counsellor to ring for which region, and mark them pending."""
    # Stale marks are cleared whether or not anyone waits: a round that failed half-way (the
    # database gone after the ring was placed) must not leave a counsellor marked for good.
    busy = await session.scalars(select(CounsellorPresence).where(CounsellorPresence.busy_call_sid.is_not(None)))
    ringing: dict[str, int] = {}
    for presence in busy:
        age = now - presence.ring_started_at if presence.ring_started_at else STALE_BUSY
        if age > (STALE_PENDING if presence.busy_call_sid == PENDING else STALE_BUSY):
            presence.busy_call_sid, presence.ring_region = None, None
        elif presence.ring_region:
            ringing[presence.ring_region] = ringing.get(presence.ring_region, 0) + 1
    waiting = await waiting_callers(session)
    if not waiting:
        return []
    free = await session.scalars(
        select(CounsellorPresence)
        .where(
            CounsellorPresence.available.is_(True),
            CounsellorPresence.busy_call_sid.is_(None),
            CounsellorPresence.user_id.in_(active_user_ids()),
        )
        .order_by(CounsellorPresence.updated_at)  # who has been idle longest goes first
        .with_for_update(skip_locked=True)
    )
    rings = []
    candidates = list(free)
    phones = await phones_of(session, [p.user_id for p in candidates])
    for presence in candidates:
        open_regions = [r for r in presence.regions if waiting.get(r, (0, now))[0] > ringing.get(r, 0)]
        phone = phones.get(presence.user_id)
        if not open_regions or phone is None:
            continue
        region = min(open_regions, key=lambda r: waiting[r][1])
        presence.busy_call_sid, presence.ring_region, presence.ring_started_at = PENDING, region, now
        ringing[region] = ringing.get(region, 0) + 1
        rings.append(Ring(presence.user_id, phone, region))
    return rings


@dataclass
class Dispatcher:
    """Rings counsellors when callers wait; `poke()` asks for a round soon, from any handler."""

    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    outbound: Callable[[], OutboundPort]
    links: Links
    clock: Clock
    _tasks: set[asyncio.Task[int]] = field(default_factory=set)

    def poke(self) -> None:
        task = asyncio.get_running_loop().create_task(self.dispatch())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for poked rounds (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def dispatch(self) -> int:
        """One round: ring whoever can take a waiting caller; returns how many calls were placed."""
        try:
            async with self.sessions.begin() as session:
                rings = await claim_rings(session, self.clock())
        except Exception:
            log.exception("dispatch round failed")
            return 0
        placed = 0
        for ring in rings:
            try:
                placed += await self._ring(ring)
            except Exception:
                # The database failed around the ring (recording its CallSid, or freeing the
                # counsellor after Twilio refused it). The round goes on for the others; the
                # counsellor's "pending" mark turns stale and `claim_rings` clears it.
                log.exception("dispatch round failed for a counsellor", extra={"user": ring.user_id})
        return placed

    async def _ring(self, ring: Ring) -> int:
        region = self.deployment.region(ring.region)
        if region is None:
            await self._release(ring.user_id)
            return 0
        try:
            sid = await self.outbound().place_call(
                to=ring.phone,
                from_=region.numbers[0],
                url=self.links.absolute("twilio-counsellor-connect", region=region.id, user=ring.user_id),
                status_callback=self.links.absolute("twilio-counsellor-status", user=ring.user_id),
                timeout_seconds=RING_SECONDS,
            )
        except OutboundError as exc:
            log.warning("could not ring a counsellor", extra={"user": ring.user_id, "error": str(exc)})
            await self._release(ring.user_id)
            return 0
        async with self.sessions.begin() as session:
            presence = await session.get(CounsellorPresence, ring.user_id)
            if presence is not None and presence.busy_call_sid == PENDING:
                presence.busy_call_sid = sid
        return 1

    async def _release(self, user_id: int) -> None:
        async with self.sessions.begin() as session:
            presence = await session.get(CounsellorPresence, user_id)
            if presence is not None:
                presence.busy_call_sid, presence.ring_region = None, None
