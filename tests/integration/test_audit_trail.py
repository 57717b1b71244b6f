"""The audit trail on SQLite and PostgreSQL: appends chain up, and tampering is found."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.models import AuditEntry
from audit.trail import GENESIS_HASH, AuditRecord, InvalidAuditRecord, append, entry_hash
from audit.verify import BreakKind, ChainReport, verify_chain
from tests.audit_appender import appends_from_processes

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def record(n: int = 0, **changes: object) -> AuditRecord:
    values: dict[str, object] = {
        "at": T0 + dt.timedelta(minutes=n),
        "actor": "anna",
        "action": "viewed_concern",
        "object_type": "concern",
        "object_id": f"K-{n:04d}",
        "address": "192.0.2.7",
        "detail": {"n": n, "note": "Überprüfung"},
    }
    values.update(changes)
    return AuditRecord(**values)  # type: ignore[arg-type]


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessions() as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.seq))).all())


async def test_appends_form_one_chain_from_the_genesis_hash(sessions: async_sessionmaker[AsyncSession]) -> None:
    for n in range(3):
        async with sessions.begin() as session:
            assert await append(session, record(n)) == n + 1
    chain = await rows(sessions)
    assert [r.seq for r in chain] == [1, 2, 3]
    assert chain[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in chain[1:]] == [r.hash for r in chain[:-1]]
    assert all(r.hash == entry_hash(r) for r in chain)  # as read back from the database
    assert chain[2].detail == {"n": 2, "note": "Überprüfung"} and chain[2].address == "192.0.2.7"


async def test_an_append_rolled_back_with_its_transaction_leaves_no_gap(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await append(session, record(0))

    async def failing_change() -> None:
        async with sessions.begin() as session:
            await append(session, record(1))
            raise RuntimeError("the audited change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    async with sessions.begin() as session:
        assert await append(session, record(2)) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"action": "looked_around"}, "action"),
        ({"actor": ""}, "actor"),
        ({"actor": "x" * 81}, "actor"),
        ({"at": dt.datetime(2026, 12, 7, 9, 0)}, "at"),
        ({"detail": {"caller": "+49 2241 123456"}}, "detail.caller"),
        ({"detail": {"share": 0.5}}, "detail.share"),
        ({"detail": {"when": T0}}, "detail.when"),
        ({"detail": {"long": "x" * 3000}}, "detail"),
    ],
)
async def test_a_bad_record_is_refused_naming_the_field(
    sessions: async_sessionmaker[AsyncSession], changes: dict[str, object], field: str
) -> None:
    async with sessions.begin() as session:
        with pytest.raises(InvalidAuditRecord, match="^" + re.escape(field) + ":"):
            await append(session, record(0, **changes))


async def seed(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    async with sessions.begin() as session:
        for n in range(count):
            await append(session, record(n))


async def verified(sessions: async_sessionmaker[AsyncSession], **options: Any) -> ChainReport:
    async with sessions() as session:
        return await verify_chain(session, **options)


async def sql(sessions: async_sessionmaker[AsyncSession], *statements: str, **values: object) -> None:
    """Tampering as someone with database access would: plain SQL, past the service."""
    async with sessions.begin() as session:
        for statement in statements:
            await session.execute(text(statement), values)


async def forge(sessions: async_sessionmaker[AsyncSession], seq: int, *, sealed: bool) -> None:
    """Insert a made-up row at `seq`, after moving that row and all later ones up by one. A
    `sealed` forgery follows its predecessor and carries the right hash, as one made by someone
    who read this code."""
    await sql(
        sessions,
        "UPDATE audit_trail SET seq = -seq - 1 WHERE seq >= :seq",  # in two steps: the key is unique
        "UPDATE audit_trail SET seq = -seq WHERE seq < 0",
        seq=seq,
    )
    async with sessions.begin() as session:
        previous = await session.get(AuditEntry, seq - 1)
        assert previous is not None
        forged = AuditEntry(
            seq=seq,
            at=T0,
            actor="mallory",
            action="viewed_concern",
            object_type="concern",
            object_id="K-0000",
            address=None,
            detail={},
            prev_hash=previous.hash if sealed else "f" * 64,
        )
        forged.hash = entry_hash(forged) if sealed else "e" * 64
        session.add(forged)


async def test_an_untouched_chain_is_intact_walked_in_any_batch_size(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed(sessions, 10)
    for batch_size in (1, 3, 1000):
        report = await verified(sessions, batch_size=batch_size)
        assert report.intact and report.rows_checked == 10 and report.first_seq == 1
        assert report.head is not None and report.head.seq == 10


async def test_an_empty_trail_is_intact(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await verified(sessions) == ChainReport(rows_checked=0, first_seq=None, head=None, broken=None)


TAMPERINGS: dict[str, tuple[Callable[[async_sessionmaker[AsyncSession]], Awaitable[None]], int, BreakKind]] = {
    "detail changed": (lambda s: sql(s, """UPDATE audit_trail SET detail = '{"n": 99}' WHERE seq = 6"""), 6, "altered"),
    "actor changed": (lambda s: sql(s, "UPDATE audit_trail SET actor = 'bob' WHERE seq = 4"), 4, "altered"),
    "time moved": (lambda s: sql(s, "UPDATE audit_trail SET at = :at WHERE seq = 9", at=T0), 9, "altered"),
    "row deleted": (lambda s: sql(s, "DELETE FROM audit_trail WHERE seq = 5"), 5, "deleted"),
    "rows deleted and the rest renumbered": (
        lambda s: sql(
            s,
            "DELETE FROM audit_trail WHERE seq IN (5, 6)",
            "UPDATE audit_trail SET seq = -(seq - 2) WHERE seq > 6",
            "UPDATE audit_trail SET seq = -seq WHERE seq < 0",
        ),
        5,
        "deleted",
    ),
    "forged row inserted": (lambda s: forge(s, 7, sealed=False), 7, "inserted"),
    "forged row with the right hash inserted": (lambda s: forge(s, 7, sealed=True), 7, "inserted"),
    "neighbours swapped": (
        lambda s: sql(
            s,
            "UPDATE audit_trail SET seq = -1 WHERE seq = 4",
            "UPDATE audit_trail SET seq = 4 WHERE seq = 5",
            "UPDATE audit_trail SET seq = 5 WHERE seq = -1",
        ),
        4,
        "reordered",
    ),
    "distant rows swapped": (
        lambda s: sql(
            s,
            "UPDATE audit_trail SET seq = -1 WHERE seq = 3",
            "UPDATE audit_trail SET seq = 3 WHERE seq = 8",
            "UPDATE audit_trail SET seq = 8 WHERE seq = -1",
        ),
        3,
        "reordered",
    ),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
async def test_verify_names_the_first_row_tampered_with_and_how(
    sessions: async_sessionmaker[AsyncSession], tampering: str
) -> None:
    tamper, seq, kind = TAMPERINGS[tampering]
    await seed(sessions, 12)
    await tamper(sessions)
    for batch_size in (1000, 4):  # wherever the break falls in a batch
        report = await verified(sessions, batch_size=batch_size)
        assert report.broken is not None, tampering
        assert (report.broken.seq, report.broken.kind) == (seq, kind), report.broken.explanation


async def test_a_row_rewritten_with_its_hash_recomputed_is_found_by_its_successor(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed(sessions, 8)
    async with sessions.begin() as session:
        entry = await session.get(AuditEntry, 5)
        assert entry is not None
        entry.object_id = "K-0999"
        entry.hash = entry_hash(entry)
    report = await verified(sessions)
    assert report.broken is not None and (report.broken.seq, report.broken.kind) == (5, "altered")


async def test_appends_from_several_processes_at_once_keep_one_unbroken_chain(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    got = await asyncio.to_thread(appends_from_processes, database_url, tmp_path, 3, 50)
    assert sorted(seq for seqs in got for seq in seqs) == list(range(1, 151))  # gap-free, none twice
    assert all(seqs == sorted(seqs) for seqs in got)
    report = await verified(sessions)
    assert report.intact and report.rows_checked == 150
    async with sessions() as session:
        writers = await session.scalars(select(AuditEntry.actor).order_by(AuditEntry.seq))
        assert len(set(writers)) == 3
