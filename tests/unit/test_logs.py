"""JSON log lines: written in batches, in order, with warnings and errors at once."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from service import logs
from service.keys import REQUEST_ID


@pytest.fixture
def lines() -> Iterator[tuple[logs.JsonLines, io.StringIO]]:
    stream = io.StringIO()
    handler = logs.JsonLines(stream, flush_seconds=3600)  # the timer never fires during a test
    yield handler, stream
    handler.close()


def record(level: int, message: str, **extra: object) -> logging.LogRecord:
    return logging.makeLogRecord(
        {"name": "hotline.test", "levelno": level, "levelname": logging.getLevelName(level), "msg": message, **extra}
    )


def written(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_info_lines_wait_and_a_warning_brings_them_out_in_order(lines: tuple[logs.JsonLines, io.StringIO]) -> None:
    handler, stream = lines
    handler.handle(record(logging.INFO, "first", path="/a"))
    handler.handle(record(logging.INFO, "second"))
    assert stream.getvalue() == ""
    handler.handle(record(logging.WARNING, "third"))
    assert [(e["message"], e["level"]) for e in written(stream)] == [
        ("first", "info"),
        ("second", "info"),
        ("third", "warning"),
    ]
    assert written(stream)[0]["path"] == "/a"


def test_flush_and_close_write_what_waits(lines: tuple[logs.JsonLines, io.StringIO]) -> None:
    handler, stream = lines
    handler.handle(record(logging.INFO, "one"))
    handler.flush()
    handler.handle(record(logging.INFO, "two"))
    handler.close()
    assert [e["message"] for e in written(stream)] == ["one", "two"]


def test_a_full_batch_is_written_without_waiting(lines: tuple[logs.JsonLines, io.StringIO]) -> None:
    handler, stream = lines
    for n in range(logs.MAX_BUFFERED_LINES):
        handler.handle(record(logging.INFO, f"line {n}"))
    assert len(written(stream)) == logs.MAX_BUFFERED_LINES


def test_the_access_line_goes_straight_to_the_lines_in_the_shape_of_every_other_line() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    handler = logs.configure_logging(stream=stream)
    try:
        logging.getLogger("hotline.http").info("request", extra={"method": "GET", "path": "/x", "status": 200})
        request = make_mocked_request("POST", "/twilio/voice?secret=017612345678")
        request[REQUEST_ID] = "abc123abc123"
        logs.JsonAccessLogger(logging.getLogger("hotline.access"), "").log(request, web.Response(status=403), 0.0042)
        handler.flush()
        by_logging, by_access_log = written(stream)
    finally:
        logs._lines = None
        handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    assert list(by_logging)[:4] == list(by_access_log)[:4] == ["time", "level", "logger", "message"]
    assert by_access_log == by_access_log | {
        "level": "info",
        "logger": "hotline.access",
        "message": "request",
        "method": "POST",
        "path": "/twilio/voice",
        "status": 403,
        "duration_ms": 4.2,
        "request_id": "abc123abc123",
    }
    assert "017612345678" not in stream.getvalue()


def test_the_schedulers_routine_runs_stay_out_of_the_log_but_its_warnings_do_not() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    handler = logs.configure_logging("INFO", stream)
    try:
        scheduler = logging.getLogger("apscheduler.executors.default")
        scheduler.info('Running job "Dispatcher.dispatch"')
        scheduler.warning('Run time of job "Dispatcher.dispatch" was missed by 0:00:12')
        logging.getLogger("hotline.jobs").info("round done")
        handler.flush()
    finally:
        logs._lines = None  # else later access logs in this process go to the closed handler
        handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    assert [line["message"] for line in written(stream)] == [
        'Run time of job "Dispatcher.dispatch" was missed by 0:00:12',
        "round done",
    ]
