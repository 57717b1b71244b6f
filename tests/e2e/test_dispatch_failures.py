"""A dispatch round while the database fails: the round ends quietly (a scheduled job or a poke
must not die of it), and no counsellor stays marked "pending" once the database is back.

The failure is the database's own: the engine the app uses refuses chosen statements, as a
dropped connection would, at the moment named by each case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service import keys
from telephony.counsellors.dispatch import STALE_PENDING
from telephony.counsellors.models import CounsellorPresence
from tests.e2e.conftest import Client
from tests.e2e.test_worklist import ANNA_PHONE, anna_id, anna_takes_calls
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock
from tests.twilio_requests import FakeTwilio

Setup = tuple[Client, FakeTwilio]
Statement = Callable[[str, Any], bool]


def _values(parameters: Any) -> list[Any]:
    """The bound values of a statement, whichever shape the driver passes them in."""
    if isinstance(parameters, dict):
        return list(parameters.values())
    if isinstance(parameters, list | tuple):
        if parameters and isinstance(parameters[0], dict | list | tuple):
            return [value for row in parameters for value in _values(row)]
        return list(parameters)
    return []


def claiming(statement: str, parameters: Any) -> bool:
    """The round's first read: which callers wait."""
    return "FROM telephony_calls" in statement


def recording_the_ring(statement: str, parameters: Any) -> bool:
    """The CallSid of the placed ring written to the counsellor's presence."""
    return statement.startswith("UPDATE telephony_presence") and any(
        isinstance(v, str) and v.startswith("CA") for v in _values(parameters)
    )


def releasing(statement: str, parameters: Any) -> bool:
    """The counsellor freed again after Twilio refused the ring."""
    return statement.startswith("UPDATE telephony_presence") and "pending" not in _values(parameters)


@contextmanager
def database_fails(engine: AsyncEngine, when: Statement) -> Iterator[list[str]]:
    """Refuse statements matching `when` as a lost connection would; yields those refused."""
    refused: list[str] = []

    def refuse(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if when(statement, parameters):
            refused.append(statement)
            raise OperationalError(statement, parameters, ConnectionResetError("the database went away"))

    event.listen(engine.sync_engine, "before_cursor_execute", refuse)
    try:
        yield refused
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", refuse)


async def presence(sessions: async_sessionmaker[AsyncSession]) -> CounsellorPresence:
    async with sessions() as session:
        found = await session.get(CounsellorPresence, await anna_id(sessions))
    assert found is not None
    return found


def rings(fake_api: FakeTwilioApi) -> list[str]:
    return [r.form["To"] for r in fake_api.requests if r.path.endswith("/Calls.json") and r.status == 201]


async def caller_waits(app_client: Setup) -> None:
    client, caller = app_client
    await caller.post("/twilio/voice/route?lang=de")
    await client.app[keys.DISPATCHER].drain()  # the caller's arrival poked a round: let it end


async def a_round_fails(
    app_client: Setup,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    fake_api: FakeTwilioApi,
    when: Statement,
    twilio_refuses: bool,
) -> bool:
    """A caller waits, Anna becomes available, and a dispatch round meets a failing database
    `when`; returns whether the failure was injected."""
    await caller_waits(app_client)  # before Anna is available: nobody is rung yet
    await anna_takes_calls(sessions, clock)
    if twilio_refuses:
        fake_api.fail_next(1, 400, code=21211, message="Invalid 'To' Phone Number")
    with database_fails(engine, when) as refused:
        await app_client[0].app[keys.DISPATCHER].dispatch()  # must not raise
    return bool(refused)


@pytest.mark.parametrize(
    ("when", "twilio_refuses"),
    [
        pytest.param(claiming, False, id="while claiming"),
        pytest.param(recording_the_ring, False, id="after the ring was placed"),
        pytest.param(releasing, True, id="while releasing a refused ring"),
    ],
)
async def test_a_round_with_a_failing_database_ends_quietly_and_frees_the_counsellor_later(
    app_client: Setup,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    fake_api: FakeTwilioApi,
    when: Statement,
    twilio_refuses: bool,
) -> None:
    dispatcher = app_client[0].app[keys.DISPATCHER]
    injected = await a_round_fails(app_client, engine, sessions, clock, fake_api, when, twilio_refuses)
    assert injected, "the failure was not injected: the case tests nothing"

    # The database is back. Within STALE_PENDING the caller still waits and Anna is rung again.
    clock.advance(seconds=STALE_PENDING.total_seconds() + 1)
    before = len(rings(fake_api))
    assert await dispatcher.dispatch() == 1
    assert len(rings(fake_api)) == before + 1 and rings(fake_api)[-1] == ANNA_PHONE
    ringing = await presence(sessions)
    assert ringing.busy_call_sid is not None and ringing.busy_call_sid.startswith("CA")


@pytest.mark.parametrize(
    ("when", "twilio_refuses"),
    [
        pytest.param(recording_the_ring, False, id="after the ring was placed"),
        pytest.param(releasing, True, id="while releasing a refused ring"),
    ],
)
async def test_a_counsellor_left_pending_by_a_failed_round_is_freed_even_when_nobody_waits(
    app_client: Setup,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    fake_api: FakeTwilioApi,
    when: Statement,
    twilio_refuses: bool,
) -> None:
    client, caller = app_client
    dispatcher = client.app[keys.DISPATCHER]
    await a_round_fails(app_client, engine, sessions, clock, fake_api, when, twilio_refuses)
    await caller.post("/twilio/status", CallStatus="completed", CallDuration="20")  # the caller gave up
    clock.advance(minutes=3)
    assert await dispatcher.dispatch() == 0
    freed = await presence(sessions)
    assert (freed.busy_call_sid, freed.ring_region, freed.available) == (None, None, True)
