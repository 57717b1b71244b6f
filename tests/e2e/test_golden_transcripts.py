"""Golden transcripts: what a caller hears on each path, as `hotline simulate call` prints it.

Each path is played by the call simulator against the real app at a fixed clock, and its
transcript must equal the checked-in `tests/golden/<path>.txt`, so a change to what callers hear
is reviewed as text in the diff. After an intended change, regenerate them and read the diff:

    HOTLINE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/e2e/test_golden_transcripts.py -k sqlite

The concern's reference is random; the transcript shows it as XXXX-XXXX (spoken: XXXX XXXX).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import Concern
from telephony.simulator.calls import simulate_call
from tests.e2e.conftest import Client
from tests.support import ManualClock, make_settings

GOLDEN = Path(__file__).parents[1] / "golden"
UPDATE = os.environ.get("HOTLINE_UPDATE_GOLDEN") == "1"
SIEGBURG = "+4922419000100"
MOBILE = "+4917612345678"
LANDLINE = "+4922419876543"


@dataclass(frozen=True)
class CallerPath:
    name: str
    at: dt.datetime  # UTC
    presses: tuple[str, ...]
    to: str = SIEGBURG
    caller: str = MOBILE


THURSDAY_OPEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # 10:30 in Siegburg: open
WEDNESDAY_NIGHT = dt.datetime(2026, 12, 2, 0, 51, tzinfo=dt.UTC)  # 01:51: closed, opens today at 8
SATURDAY = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)  # 10:30: closed, counselling until 12
CORPUS_CHRISTI = dt.datetime(2026, 6, 4, 8, 0, tzinfo=dt.UTC)  # a Thursday holiday in NRW

PATHS = [
    CallerPath("open_line_queue", THURSDAY_OPEN, ("1",)),
    CallerPath("closed_callback", WEDNESDAY_NIGHT, ("1", "1", "1", "1")),  # German, callback, confirm, again
    CallerPath("closed_voicemail", SATURDAY, ("1", "2")),
    CallerPath("closed_counselling", SATURDAY, ("1", "3")),  # a mobile: the booking link by SMS
    CallerPath("closed_counselling_landline", SATURDAY, ("1", "3", "1", "1"), caller=LANDLINE),  # then a callback
    CallerPath("three_wrong_keys", SATURDAY, ("1", "7", "8", "9")),
    CallerPath("holiday", CORPUS_CHRISTI, ("1", "1", "1")),
    CallerPath("unknown_number", SATURDAY, (), to="+4922411234567"),
    CallerPath("turkish_closed_callback", SATURDAY, ("3", "1", "1")),
    CallerPath("withheld_number_keyed_in", SATURDAY, ("2", "1", "022419876543"), caller="anonymous"),  # English
]


async def references(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(Concern.reference)))


@pytest.mark.parametrize("path", PATHS, ids=[path.name for path in PATHS])
async def test_what_callers_hear_on_each_path_is_the_golden_transcript(
    path: CallerPath,
    client: Client,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock.now = path.at
    settings = make_settings(tmp_path, database_url)
    transcript = await simulate_call(
        base_url=str(client.make_url("")).rstrip("/"),
        public_url=settings.public_url,
        auth_token=settings.webhook_auth_token,
        account_sid=settings.webhook_account_sid,
        to=path.to,
        from_=path.caller,
        presses=path.presses,
    )
    assert not transcript.errors, transcript.render()
    heard = transcript.render()
    for reference in await references(sessions):
        heard = heard.replace(reference, "XXXX-XXXX").replace(reference.replace("-", " "), "XXXX XXXX")
    heard += "\n"
    golden = GOLDEN / f"{path.name}.txt"
    if UPDATE:
        golden.write_text(heard, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8") if golden.exists() else ""
    if heard != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                heard.splitlines(keepends=True),
                fromfile=f"tests/golden/{path.name}.txt",
                tofile="what the caller hears now",
            )
        )
        pytest.fail(
            f"What callers hear on the path {path.name!r} changed (regenerate with HOTLINE_UPDATE_GOLDEN=1 "
            f"if intended):\n{diff}",
            pytrace=False,
        )
