"""Structured logs: one JSON object a line, with the request id where there is one.

Lines are written in batches: every request logs one, and a write to stderr for each was a
fifth of a webhook's CPU time under load (bench/webhooks.py). Warnings and errors are written
at once, with every line before them; the rest within `FLUSH_SECONDS`, and at exit. A crash
(not a shutdown) can lose the info lines of that last moment.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import threading
import time as time_module  # `time` is the duration aiohttp hands to `log`
from typing import Any, TextIO

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from service.keys import REQUEST_ID

FLUSH_SECONDS = 0.25
MAX_BUFFERED_LINES = 256
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def _entry(created: float, level: str, logger: str, message: str) -> dict[str, Any]:
    """The first keys of every line, in this order; the fields of the event follow."""
    return {
        "time": dt.datetime.fromtimestamp(created, dt.UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "logger": logger,
        "message": message,
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = _entry(record.created, record.levelname.lower(), record.name, record.getMessage())
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class JsonLines(logging.Handler):
    """JSON lines on a stream, in order, written in batches (see the module's docstring)."""

    def __init__(self, stream: TextIO, *, flush_seconds: float = FLUSH_SECONDS) -> None:
        super().__init__()
        self.stream = stream
        self.setFormatter(JsonFormatter())
        self._lines: list[str] = []
        self._stopping = threading.Event()
        self._flusher = threading.Thread(target=self._flush_every, args=(flush_seconds,), daemon=True)
        self._flusher.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self.add(line, urgent=record.levelno >= logging.WARNING)

    def add(self, line: str, *, urgent: bool = False) -> None:
        """Queue a formatted line; an urgent one is written at once, with all before it."""
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._lines.append(line)
            if urgent or len(self._lines) >= MAX_BUFFERED_LINES:
                self._write()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write()

    def close(self) -> None:
        self._stopping.set()
        self.flush()
        super().close()

    def _write(self) -> None:
        if self._lines:
            self.stream.write("\n".join(self._lines) + "\n")
            self._lines.clear()
            self.stream.flush()

    def _flush_every(self, seconds: float) -> None:
        while not self._stopping.wait(seconds):
            self.flush()


_lines: JsonLines | None = None  # where `configure_logging` sends the lines, for the access log


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> JsonLines:
    global _lines
    # Each request logs a line; what no line shows is not gathered (the logging HOWTO's
    # "Optimization" section): the calling frame, thread, process and task names.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = _lines = JsonLines(stream or sys.stderr)
    root = logging.getLogger()
    for old in root.handlers:
        old.close()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's own access log is replaced by ours, which carries the request id.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The scheduler logs two lines per job run (every 10 s): they drowned what operators look for.
    # Its warnings (a missed or failed run) still come through; our jobs log what they did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler


class JsonAccessLogger(AbstractAccessLogger):
    """One line per request: method, path, status, duration and request id (no query string,
    which can carry personal data). Under `configure_logging` the line goes straight to its
    handler, in the JsonFormatter's shape, without a LogRecord: the busiest line of all."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "duration_ms": round(time * 1000, 2),
            "request_id": request.get(REQUEST_ID) if isinstance(request, web.Request) else None,
        }
        if _lines is None:
            self.logger.info("request", extra=fields)
            return
        entry = _entry(time_module.time(), "info", self.logger.name, "request") | fields
        _lines.add(json.dumps(entry, ensure_ascii=False))

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
