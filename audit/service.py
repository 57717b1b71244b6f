"""The audit trail's use cases: verify the chain and keep the outcome, as the daily job and
`hotline audit verify` both do."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.trail import AuditRecord, append
from audit.verifications import record_verification
from audit.verify import ChainReport, verify_chain


async def verify_and_record(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: dt.datetime,
    actor: str,
    since: dt.datetime | None = None,
    address: str | None = None,
) -> ChainReport:
    """Walk the chain (from `since`, else from its oldest row), keep the outcome, and append a
    `verified_chain` record of who checked it. The walk reads outside any write transaction, so
    appends go on meanwhile; rows appended during it are checked by the next walk."""
    async with sessions() as session:
        report = await verify_chain(session, since=since)
    broken = report.broken
    detail: dict[str, object] = {
        "rows_checked": report.rows_checked,
        "intact": report.intact,
        "head_seq": report.head.seq if report.head else None,
    }
    if since is not None:
        detail["since"] = since.astimezone(dt.UTC).isoformat()
    if broken is not None:
        detail |= {"first_bad_seq": broken.seq, "break_kind": broken.kind}
    async with sessions.begin() as session:
        await record_verification(session, report, at=now, by=actor)
        await append(
            session,
            AuditRecord(
                at=now, actor=actor, action="verified_chain", object_type="audit_trail", address=address, detail=detail
            ),
        )
    return report
