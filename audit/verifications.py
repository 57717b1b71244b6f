"""The outcomes of walking the chain, kept so the auditor page can show the last one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audit.models import AuditVerification
from audit.verify import ChainReport

_EXPLANATION_CHARS = 300


@dataclass(frozen=True)
class Verification:
    """One walk along the chain as kept: when, by whom, how far, and the first break if any."""

    verified_at: dt.datetime
    verified_by: str
    rows_checked: int
    head_seq: int | None
    head_hash: str | None
    first_bad_seq: int | None
    break_kind: str | None
    explanation: str | None

    @property
    def intact(self) -> bool:
        return self.first_bad_seq is None


async def record_verification(session: AsyncSession, report: ChainReport, *, at: dt.datetime, by: str) -> Verification:
    """Keep the outcome of a walk (in the caller's transaction)."""
    broken = report.broken
    row = AuditVerification(
        verified_at=at,
        verified_by=by[:80],
        rows_checked=report.rows_checked,
        head_seq=report.head.seq if report.head else None,
        head_hash=report.head.hash if report.head else None,
        first_bad_seq=broken.seq if broken else None,
        break_kind=broken.kind if broken else None,
        explanation=broken.explanation[:_EXPLANATION_CHARS] if broken else None,
    )
    session.add(row)
    await session.flush()
    return _view(row)


async def latest_verification(session: AsyncSession, *, by: str | None = None) -> Verification | None:
    """The newest verification (of `by` only, if given), or None if the chain was never verified."""
    query = select(AuditVerification).order_by(AuditVerification.verified_at.desc(), AuditVerification.id.desc())
    if by is not None:
        query = query.where(AuditVerification.verified_by == by)
    row = await session.scalar(query.limit(1))
    return _view(row) if row else None


def _view(row: AuditVerification) -> Verification:
    return Verification(
        verified_at=row.verified_at,
        verified_by=row.verified_by,
        rows_checked=row.rows_checked,
        head_seq=row.head_seq,
        head_hash=row.head_hash,
        first_bad_seq=row.first_bad_seq,
        break_kind=row.break_kind,
        explanation=row.explanation,
    )
