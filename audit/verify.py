"""Walking the audit trail: recompute every row's hash in sequence order and name the first row
that was altered, deleted, inserted or reordered since it was written."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from audit.models import AuditAnchor, AuditEntry
from audit.trail import GENESIS_HASH, ChainHead, entry_hash

BATCH_SIZE = 1000
# How far from its place a moved row is looked for, and how many neighbours are read to tell
# what happened at a break. Only done once, at the first break: the walk stops there.
SEARCH_RADIUS = 64

BreakKind = Literal["altered", "deleted", "inserted", "reordered", "rewritten"]
BREAK_KINDS: tuple[BreakKind, ...] = ("altered", "deleted", "inserted", "reordered", "rewritten")


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain is not as it was written: its sequence number and what happened."""

    seq: int
    kind: BreakKind
    explanation: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of one walk: how many rows were checked, the head, the first break if any."""

    rows_checked: int
    first_seq: int | None
    head: ChainHead | None
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


@dataclass(frozen=True)
class _Row:
    """A row as read back, in the shape `entry_hash` reads."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    address: str | None
    detail: Any
    prev_hash: str
    hash: str

    @property
    def sealed(self) -> bool:
        """Its hash still matches its content and its place."""
        return entry_hash(self) == self.hash

    def sealed_at(self, seq: int) -> bool:
        """Its hash would match had it the sequence number `seq`: where it was written."""
        return entry_hash(dataclasses.replace(self, seq=seq)) == self.hash


_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.at,
    AuditEntry.actor,
    AuditEntry.action,
    AuditEntry.object_type,
    AuditEntry.object_id,
    AuditEntry.address,
    AuditEntry.detail,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


async def verify_chain(
    session: AsyncSession, *, since: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> ChainReport:
    """Walk the chain from its oldest row (or the first written at or after `since`) to its head,
    in batches, and report the first break. The oldest row kept is taken as it stands: retention
    removes the oldest rows, so what came before it cannot be asked."""
    first = await session.scalar(
        select(func.min(AuditEntry.seq)).where(AuditEntry.at >= since) if since else select(func.min(AuditEntry.seq))
    )
    if first is None:
        return ChainReport(rows_checked=0, first_seq=None, head=None, broken=None)
    before = (
        await session.execute(
            select(AuditEntry.seq, AuditEntry.hash)
            .where(AuditEntry.seq < first)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )
    ).first()
    anchors = {a.seq: a for a in (await session.scalars(select(AuditAnchor).where(AuditAnchor.seq >= first))).all()}
    # What the next row must be: its number, and its predecessor's hash (None: taken on trust).
    expected_seq = before.seq + 1 if before else first
    expected_prev: str | None = before.hash if before else (GENESIS_HASH if first == 1 else None)
    checked = 0
    last: _Row | None = None
    while True:
        batch = await _rows(session, after=expected_seq - 1, limit=batch_size)
        for row in batch:
            checked += 1
            if (
                row.seq != expected_seq
                or not row.sealed
                or (expected_prev is not None and row.prev_hash != expected_prev)
            ):
                broken = await _diagnose(session, row, expected_seq, expected_prev)
                return ChainReport(checked, first, await _head(session), broken)
            anchor = anchors.get(row.seq)
            if anchor is not None and anchor.hash != row.hash:
                broken = ChainBreak(
                    row.seq,
                    "rewritten",
                    f"seq {row.seq} differs from the anchor of {anchor.day.isoformat()}: "
                    f"the chain was rewritten at or before seq {row.seq}, hashes and all",
                )
                return ChainReport(checked, first, await _head(session), broken)
            expected_seq, expected_prev, last = row.seq + 1, row.hash, row
        if len(batch) < batch_size:
            break
    head = ChainHead(last.seq, last.hash) if last else None
    beyond = [a for a in anchors.values() if head is None or a.seq > head.seq]
    if beyond:
        anchor = min(beyond, key=lambda a: a.seq)
        broken = ChainBreak(
            expected_seq,
            "deleted",
            f"the anchor of {anchor.day.isoformat()} names seq {anchor.seq}, "
            f"but the chain ends before seq {expected_seq}: its last rows were deleted",
        )
        return ChainReport(checked, first, head, broken)
    return ChainReport(checked, first, head, None)


async def _rows(session: AsyncSession, *, after: int, limit: int) -> Sequence[_Row]:
    result = await session.execute(
        select(*_COLUMNS).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(limit)
    )
    return [_Row(*row) for row in result.all()]


async def _head(session: AsyncSession) -> ChainHead | None:
    row = (
        await session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))
    ).first()
    return ChainHead(row.seq, row.hash) if row else None


async def _diagnose(session: AsyncSession, row: _Row, expected_seq: int, expected_prev: str | None) -> ChainBreak:
    """What happened where `row` stands instead of an intact seq `expected_seq`."""
    e = expected_seq
    if row.seq > e:
        missing = f"seq {e}" if row.seq == e + 1 else f"seqs {e} to {row.seq - 1}"
        return ChainBreak(e, "deleted", f"{missing} missing: the chain jumps from seq {e - 1} to seq {row.seq}")
    if row.seq < e:  # only without the primary key: a second row with a number already seen
        return ChainBreak(row.seq, "inserted", f"a second row with seq {row.seq}")
    result = await session.execute(
        select(*_COLUMNS).where(AuditEntry.seq.between(e - SEARCH_RADIUS, e + SEARCH_RADIUS)).order_by(AuditEntry.seq)
    )
    around = {r.seq: r for r in (_Row(*values) for values in result.all())}
    follows = expected_prev is None or row.prev_hash == expected_prev
    after = around.get(e + 1)
    if row.sealed:  # as written here, but not after its predecessor
        if after is not None and after.prev_hash == row.hash and after.sealed:
            return ChainBreak(
                e - 1,
                "altered",
                f"seq {e - 1} was rewritten with a new hash: seq {e} recorded another one for it",
            )
        return ChainBreak(e, "inserted", f"seq {e} does not follow seq {e - 1}: a row written outside the service")
    written_as = next((s for s in _nearby(e) if row.sealed_at(s)), None)
    if written_as is None:
        if after is not None and not after.sealed and after.sealed_at(e):
            return ChainBreak(
                e, "inserted", f"seq {e} is not a row the service wrote: the next row was written as seq {e}"
            )
        if follows or (after is not None and after.prev_hash == row.hash):
            return ChainBreak(
                e, "altered", f"seq {e} was changed after it was written: its content no longer matches its hash"
            )
        return ChainBreak(
            e,
            "inserted",
            f"seq {e} is not a row the service wrote: it neither matches its hash nor follows seq {e - 1}",
        )
    if written_as < e:
        return ChainBreak(
            written_as,
            "inserted",
            f"seq {e} holds the row written as seq {written_as}: rows were inserted before it and the rest renumbered",
        )
    moved_here = next((r.seq for r in around.values() if r.seq != e and not r.sealed and r.sealed_at(e)), None)
    if moved_here is not None:
        return ChainBreak(
            e,
            "reordered",
            f"seq {e} holds the row written as seq {written_as}, and seq {moved_here} the row written as seq {e}",
        )
    return ChainBreak(
        e,
        "deleted",
        f"seq {e} holds the row written as seq {written_as}: the rows before it were deleted and the rest renumbered",
    )


def _nearby(seq: int) -> list[int]:
    """Sequence numbers around `seq`, nearest first, where a moved row may have been written."""
    steps = [seq + sign * distance for distance in range(1, SEARCH_RADIUS + 1) for sign in (1, -1)]
    return [s for s in steps if s >= 1]
