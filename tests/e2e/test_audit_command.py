"""`hotline audit verify` as an operator runs it: exit 0 when the chain is intact, 1 naming the
first broken row when not; every run and every account added by `hotline users add` is recorded."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from audit.models import AuditEntry
from audit.trail import AuditRecord, append
from audit.verifications import latest_verification
from config.settings import EXAMPLE_DEPLOYMENT
from service.cli import main
from tests.processes import hotline_env, run_hotline

NOV_25 = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
NOV_26 = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


async def add_records(sessions: async_sessionmaker[AsyncSession], *moments: dt.datetime) -> None:
    async with sessions.begin() as session:
        for n, moment in enumerate(moments):
            await append(session, AuditRecord(moment, "anna", "viewed_concern", "concern", f"K-{n}"))


async def last_entry(sessions: async_sessionmaker[AsyncSession]) -> AuditEntry:
    async with sessions() as session:
        entry = await session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert entry is not None
    return entry


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, engine: AsyncEngine) -> None:
    """`service.cli.main` run here, as `hotline` would run it, on the test's database."""
    for name, value in hotline_env(tmp_path / "var", HOTLINE_DATABASE_URL=database_url, USER="olga").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOTLINE_CONFIG", str(EXAMPLE_DEPLOYMENT))


# One process per behaviour, on SQLite: the walk itself is tested on both databases elsewhere.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_intact_trail_exits_0_and_the_check_is_recorded(
    database_url: str, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await add_records(sessions, NOV_25, NOV_26, NOV_26)
    env = hotline_env(tmp_path / "var", HOTLINE_DATABASE_URL=database_url, USER="olga")
    result = await asyncio.to_thread(run_hotline, ["audit", "verify", "--json"], env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["intact"], answer["rows_checked"], answer["broken"], answer["head"]["seq"]) == (True, 3, None, 3)
    recorded = await last_entry(sessions)
    assert (recorded.seq, recorded.actor, recorded.action) == (4, "cli:olga", "verified_chain")
    async with sessions() as session:
        kept = await latest_verification(session)
    assert kept is not None and kept.intact and kept.verified_by == "cli:olga"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_tampered_trail_exits_1_naming_the_first_broken_row(
    database_url: str, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await add_records(sessions, *[NOV_26] * 5)
    async with sessions.begin() as session:
        await session.execute(text("DELETE FROM audit_trail WHERE seq = 3"))
    result = await asyncio.to_thread(
        run_hotline, ["audit", "verify"], hotline_env(tmp_path, HOTLINE_DATABASE_URL=database_url)
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("audit trail NOT intact: seq 3 deleted: seq 3 missing")


async def test_from_a_date_checks_only_the_records_of_that_day_on(
    in_process: None, sessions: async_sessionmaker[AsyncSession], capsys: pytest.CaptureFixture[str]
) -> None:
    await add_records(sessions, NOV_25, NOV_25, NOV_26, NOV_26)
    async with sessions.begin() as session:
        await session.execute(text("UPDATE audit_trail SET actor = 'mallory' WHERE seq = 1"))
    assert await asyncio.to_thread(main, ["audit", "verify", "--from", "2026-11-26"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("audit trail intact: 2 record(s) checked from seq 3, head seq 4 sha256 ")
    assert await asyncio.to_thread(main, ["audit", "verify"]) == 1
    assert "seq 1 altered" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        await asyncio.to_thread(main, ["audit", "verify", "--from", "26.11.2026"])
    assert refused.value.code == 2
    assert '"26.11.2026" is not a date such as 2026-12-07' in capsys.readouterr().err


async def test_an_account_added_from_the_command_line_is_recorded(
    in_process: None, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    command = ["users", "add", "berta", "--role", "counsellor", "--region", "siegburg", "--password-stdin"]
    assert await asyncio.to_thread(main, command) == 0
    recorded = await last_entry(sessions)
    assert (recorded.actor, recorded.action, recorded.object_type, recorded.object_id) == (
        "cli:olga",
        "added_user",
        "user",
        "berta",
    )
    assert recorded.detail == {"roles": ["counsellor"], "regions": ["siegburg"]}
