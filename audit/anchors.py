"""Daily anchors: the head of the chain written to the service log and kept in a small table, so
a copy can be kept outside the system and a later rewrite of the chain up to it shows."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audit.models import AuditAnchor
from audit.trail import chain_head, lock_chain

log = logging.getLogger("hotline.audit")


@dataclass(frozen=True)
class Anchor:
    """The head of the chain (`seq`, `hash`) as it stood at `anchored_at`, the anchor of `day`."""

    day: dt.date
    anchored_at: dt.datetime
    seq: int
    hash: str


async def anchor_head(session: AsyncSession, *, day: dt.date, now: dt.datetime) -> Anchor | None:
    """Keep the head as the anchor of `day`, unless that day has one or the chain is empty. Under
    the chain's lock, so several processes write one anchor and it is the head at that moment."""
    await lock_chain(session)
    if await session.get(AuditAnchor, day) is not None:
        return None
    head = await chain_head(session)
    if head is None:
        return None
    session.add(AuditAnchor(day=day, anchored_at=now, seq=head.seq, hash=head.hash))
    await session.flush()
    return Anchor(day, now, head.seq, head.hash)


def log_anchor(anchor: Anchor) -> None:
    """The anchor in the service log (logger "hotline.audit"), in its message too, so a plain copy
    of the log is enough to check the chain against later."""
    log.info(
        "audit trail anchor of %s: seq %d, sha256 %s",
        anchor.day.isoformat(),
        anchor.seq,
        anchor.hash,
        extra={"anchor_day": anchor.day.isoformat(), "anchor_seq": anchor.seq, "anchor_hash": anchor.hash},
    )


async def recent_anchors(session: AsyncSession, limit: int = 30) -> list[Anchor]:
    """The newest anchors first, at most `limit` of them (for the auditor page)."""
    rows = await session.scalars(select(AuditAnchor).order_by(AuditAnchor.day.desc()).limit(limit))
    return [Anchor(a.day, a.anchored_at, a.seq, a.hash) for a in rows]
