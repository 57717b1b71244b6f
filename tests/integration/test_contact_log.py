"""The contact log keeps pseudonyms, never numbers, and ignores an event delivered twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts.pseudonyms import Pseudonymiser
from contacts.service import InvalidContactEvent, list_contact_events, record_contact_event
from tests.support import TEST_SECRET

CALLER = "+4922411234567"
pseudonymise = Pseudonymiser(TEST_SECRET)
T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)


async def test_event_stores_the_pseudonym_and_never_the_number(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        written = await record_contact_event(
            session,
            pseudonymiser=pseudonymise,
            at=T0,
            channel="phone",
            kind="call_received",
            region="siegburg",
            caller=CALLER,
            reference="CA0123456789abcdef0123456789abcdef",
            detail={"language": "de"},
        )
    assert written
    async with sessions() as session:
        dump = " ".join(str(row) for row in (await session.execute(text("SELECT * FROM contact_events"))).all())
        [event] = await list_contact_events(session, since=T0, until=T0 + dt.timedelta(hours=1))
    assert CALLER[1:] not in dump and "022411234567" not in dump
    assert event.caller_pseudonym == pseudonymise(CALLER)
    assert event.occurred_at == T0 and event.detail == {"language": "de"}


async def test_the_same_event_delivered_twice_is_written_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    for _ in range(2):
        async with sessions.begin() as session:
            await record_contact_event(
                session,
                pseudonymiser=pseudonymise,
                at=T0,
                channel="phone",
                kind="answered",
                region="siegburg",
                wait_seconds=42,
                event_id="CA42:answered",
            )
    async with sessions() as session:
        events = await list_contact_events(session, since=T0, until=T0 + dt.timedelta(seconds=1))
    assert [(e.kind, e.wait_seconds) for e in events] == [("answered", 42)]


async def test_events_are_found_by_time_range_and_region(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        for minutes, region in ((0, "siegburg"), (30, "eitorf"), (60, "siegburg"), (90, "siegburg")):
            await record_contact_event(
                session,
                pseudonymiser=pseudonymise,
                at=T0 + dt.timedelta(minutes=minutes),
                channel="phone",
                kind="call_received",
                region=region,
            )
    async with sessions() as session:
        found = await list_contact_events(session, since=T0, until=T0 + dt.timedelta(minutes=90), regions=["siegburg"])
    assert [e.occurred_at for e in found] == [T0, T0 + dt.timedelta(minutes=60)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"channel": "fax"}, "channel"),
        ({"kind": "call_recieved"}, "kind"),
        ({"detail": {"note": "Rückruf an 0171 2345678"}}, "phone number"),
        ({"reference": "+4917123456789"}, "phone number"),
        ({"wait_seconds": -1}, "negative"),
        ({"at": dt.datetime(2026, 11, 26, 8, 0)}, "aware"),
        ({"detail": {"x": "y" * 3000}}, "larger"),
    ],
)
async def test_bad_events_are_refused_and_nothing_is_written(
    sessions: async_sessionmaker[AsyncSession], changes: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"at": T0, "channel": "phone", "kind": "call_received", "region": "siegburg"}
    values.update(changes)
    with pytest.raises(InvalidContactEvent, match=message):
        async with sessions.begin() as session:
            await record_contact_event(session, pseudonymiser=pseudonymise, **values)  # type: ignore[arg-type]
    async with sessions() as session:
        assert (
            await list_contact_events(session, since=T0 - dt.timedelta(days=1), until=T0 + dt.timedelta(days=1)) == []
        )
