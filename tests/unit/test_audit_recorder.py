"""The recorder of web actions: at once when the database answers, late when it does not, and in
the log when it cannot be written at all; never an exception for the page."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from audit.recorder import Recorder
from audit.trail import AuditRecord

RECORD = AuditRecord(
    dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), "anna", "viewed_concern", "concern", "K-1", "192.0.2.7"
)
LOCKED = OperationalError("INSERT INTO audit_trail ...", {}, Exception("database is locked"))


class Database:
    """Keeps records; fails with the errors given first, in order; waits while `closed` is set."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.kept: list[AuditRecord] = []
        self.open = asyncio.Event()
        self.open.set()

    async def append(self, record: AuditRecord) -> None:
        await self.open.wait()
        if self.failures:
            raise self.failures.pop(0)
        self.kept.append(record)


class Pauses:
    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


async def test_a_record_is_kept_before_the_answer_when_the_database_answers() -> None:
    database = Database()
    recorder = Recorder(database.append)
    assert await recorder.record(RECORD) is True
    assert database.kept == [RECORD] and recorder.pending == 0


async def test_a_slow_database_does_not_hold_the_answer_and_the_record_follows() -> None:
    database = Database()
    database.open.clear()
    recorder = Recorder(database.append, wait_seconds=0)
    assert await recorder.record(RECORD) is False
    assert recorder.pending == 1
    database.open.set()
    await recorder.settled()
    assert database.kept == [RECORD] and recorder.lost == 0


async def test_a_locked_database_is_tried_again_after_the_pauses() -> None:
    database = Database(LOCKED, LOCKED)
    pauses = Pauses()
    recorder = Recorder(database.append, wait_seconds=0, delays=(1, 2, 5), sleep=pauses)
    await recorder.record(RECORD)
    await recorder.settled()
    assert database.kept == [RECORD] and pauses.taken == [1, 2]
    assert (recorder.written_late, recorder.lost) == (1, 0)


async def test_a_record_still_unwritten_after_the_last_try_is_logged_whole(caplog: pytest.LogCaptureFixture) -> None:
    database = Database(LOCKED, LOCKED, LOCKED)
    recorder = Recorder(database.append, wait_seconds=0, delays=(1, 2), sleep=Pauses())
    with caplog.at_level(logging.ERROR, logger="hotline.audit"):
        await recorder.record(RECORD)
        await recorder.settled()
    assert database.kept == [] and recorder.lost == 1
    [line] = caplog.records
    assert line.getMessage() == "audit record not written to the trail"
    assert line.reason.startswith("OperationalError")  # type: ignore[attr-defined]
    assert line.unrecorded == {  # type: ignore[attr-defined]
        "at": "2026-12-07T09:00:00+00:00",
        "actor": "anna",
        "action": "viewed_concern",
        "object_type": "concern",
        "object_id": "K-1",
        "address": "192.0.2.7",
        "detail": {},
    }


async def test_a_failure_that_will_not_pass_is_not_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    pauses = Pauses()
    refused = IntegrityError("INSERT INTO audit_trail ...", {}, Exception("duplicate key"))
    recorder = Recorder(Database(refused).append, sleep=pauses)
    with caplog.at_level(logging.ERROR, logger="hotline.audit"):
        assert await recorder.record(RECORD) is False
    assert pauses.taken == [] and recorder.lost == 1


async def test_records_pending_at_shutdown_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    database = Database()
    database.open.clear()
    recorder = Recorder(database.append, wait_seconds=0, shutdown_seconds=0)
    lifetime = recorder.running()
    await anext(lifetime)
    await recorder.record(RECORD)
    with caplog.at_level(logging.ERROR, logger="hotline.audit"):
        await anext(lifetime, None)
    assert recorder.lost == 1 and recorder.pending == 0
    assert caplog.records[0].reason == "cancelled at shutdown"  # type: ignore[attr-defined]


async def test_beyond_the_pending_limit_records_are_logged_at_once() -> None:
    database = Database()
    database.open.clear()
    recorder = Recorder(database.append, wait_seconds=0, max_pending=1)
    await recorder.record(RECORD)
    assert await recorder.record(RECORD) is False
    assert (recorder.pending, recorder.lost) == (1, 1)
    database.open.set()
    await recorder.settled()
