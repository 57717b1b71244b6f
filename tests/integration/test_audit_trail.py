"""The audit trail on SQLite and PostgreSQL: appends chain up, and tampering is found."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.models import AuditEntry
from audit.trail import GENESIS_HASH, AuditRecord, InvalidAuditRecord, append, entry_hash

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
