"""The arrival log: new calls answered at once, logged in the next round, none lost or doubled."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from telephony.inbound.arrivals import ArrivalLog, ArrivalNotLogged
from telephony.inbound.call_log import CallLog
from telephony.inbound.models import Call
from tests.support import TEST_SECRET
from tests.twilio_requests import new_sid

pseudonymise = Pseudonymiser(TEST_SECRET)
T0 = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
CALLER = "+4917612345678"


class Outage:
    """The session factory of a database that can be taken down and brought back."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.down = False

    def begin(self) -> AbstractAsyncContextManager[AsyncSession]:
        if self.down:
            raise OperationalError("BEGIN", {}, ConnectionRefusedError("the database is down"))
        return self.sessions.begin()


async def started(log: ArrivalLog) -> AsyncIterator[None]:
    """The writer running, as the app's cleanup context runs it."""
    running = log.running()
    await anext(running)
    return running


async def stop(running: AsyncIterator[None]) -> None:
    with pytest.raises(StopAsyncIteration):
        await anext(running)


async def logged(sessions: async_sessionmaker[AsyncSession]) -> tuple[list[Call], list[ContactEvent]]:
    async with sessions() as session:
        calls = list(await session.scalars(select(Call).order_by(Call.call_sid)))
        events = list(await session.scalars(select(ContactEvent).order_by(ContactEvent.reference)))
    return calls, events


async def test_a_new_call_is_logged_in_the_next_round_with_a_pseudonym(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log = ArrivalLog(sessions, pseudonymise)
    running = await started(log)
    sids = sorted(new_sid("CA") for _ in range(3))
    for sid in sids:
        log.note(call_sid=sid, region="siegburg", caller=CALLER, now=T0)
    for sid in sids:
        await log.written(sid)
    calls, events = await logged(sessions)
    await stop(running)
    assert [(c.call_sid, c.region, c.direction, c.started_at) for c in calls] == [
        (sid, "siegburg", "inbound", T0) for sid in sids
    ]
    assert [(e.reference, e.kind, e.caller_pseudonym, e.occurred_at) for e in events] == [
        (sid, "call_received", pseudonymise(CALLER), T0) for sid in sids
    ]


async def test_a_retried_webhook_is_logged_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = ArrivalLog(sessions, pseudonymise)
    sid = new_sid("CA")
    log.note(call_sid=sid, region="siegburg", caller=CALLER, now=T0)
    log.note(call_sid=sid, region="siegburg", caller=CALLER, now=T0 + dt.timedelta(seconds=2))
    assert await log.commit_round()
    log.note(call_sid=sid, region="siegburg", caller=CALLER, now=T0 + dt.timedelta(seconds=4))
    assert await log.commit_round()
    calls, events = await logged(sessions)
    assert [(c.call_sid, c.started_at) for c in calls] == [(sid, T0)]
    assert [(e.reference, e.kind) for e in events] == [(sid, "call_received")]


async def test_a_failed_round_keeps_its_calls_until_the_database_is_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outage = Outage(sessions)
    log = ArrivalLog(cast(async_sessionmaker[AsyncSession], outage), pseudonymise)
    sid = new_sid("CA")
    log.note(call_sid=sid, region="troisdorf", caller=None, now=T0)
    outage.down = True
    assert not await log.commit_round()
    assert log.failing and not log.accepting
    with pytest.raises(ArrivalNotLogged):
        await log.written(sid)  # the webhook waiting for it answers from the deployment file
    outage.down = False
    assert await log.commit_round()
    assert not log.failing
    await log.written(sid)
    calls, events = await logged(sessions)
    assert [c.call_sid for c in calls] == [sid]
    assert [(e.reference, e.caller_pseudonym) for e in events] == [(sid, None)]


async def test_shutdown_commits_every_call_still_waiting(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = ArrivalLog(sessions, pseudonymise)
    running = await started(log)
    sids = [new_sid("CA") for _ in range(250)]
    for sid in sids:
        log.note(call_sid=sid, region="eitorf", caller=CALLER, now=T0)
    await stop(running)  # before the writer had a turn
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Call)) == len(sids)
        assert await session.scalar(select(func.count()).select_from(ContactEvent)) == len(sids)


async def test_a_writer_far_behind_turns_new_calls_to_the_direct_write(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log = ArrivalLog(sessions, pseudonymise, max_queued=2)
    assert not log.accepting  # no writer yet
    running = await started(log)
    assert log.accepting
    log.note(call_sid=new_sid("CA"), region="siegburg", caller=CALLER, now=T0)
    assert log.accepting
    log.note(call_sid=new_sid("CA"), region="siegburg", caller=CALLER, now=T0)
    assert not log.accepting
    assert await log.commit_round()
    assert log.accepting
    await stop(running)
    assert not log.accepting


async def test_a_later_step_of_the_call_waits_for_its_arrival(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = ArrivalLog(sessions, pseudonymise)
    calls = CallLog(pseudonymise, log)
    running = await started(log)
    sid = new_sid("CA")
    log.note(call_sid=sid, region="siegburg", caller=CALLER, now=T0)
    async with sessions.begin() as session:
        call = await calls.open_call(
            session, call_sid=sid, region="siegburg", caller=CALLER, now=T0 + dt.timedelta(seconds=5)
        )
        assert call.started_at == T0  # the arrival's time, not this step's
    await stop(running)
    _, events = await logged(sessions)
    assert [(e.reference, e.kind) for e in events] == [(sid, "call_received")]
