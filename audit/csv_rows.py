"""CSV lines of the auditor's exports: RFC 4180, UTF-8 with a byte order mark, a header of stable
English keys, codes rather than labels, moments in ISO 8601 with the local offset.

Text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, so
a spreadsheet opening the file never runs it as a formula (CSV injection)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from audit.call_log import LoggedEvent
from audit.promise import ConcernOutcome

BYTE_ORDER_MARK = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CALL_LOG_COLUMNS = (
    "occurred_at",
    "region",
    "channel",
    "kind",
    "caller_pseudonym",
    "reference",
    "wait_seconds",
    "duration_seconds",
)
PROMISE_COLUMNS = ("reference", "region", "channel", "urgency", "raised_at", "due_at", "closed_at", "reason")


def csv_line(cells: list[str], *, first: bool = False) -> bytes:
    """One CSV record; the first one carries the byte order mark."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow([_guarded(cell) for cell in cells])
    return ((BYTE_ORDER_MARK if first else "") + buffer.getvalue()).encode("utf-8")


def call_log_row(event: LoggedEvent, zone: ZoneInfo) -> list[str]:
    return [
        _moment(event.occurred_at, zone),
        event.region or "",
        event.channel,
        event.kind,
        event.caller or "",
        event.reference or "",
        _whole(event.wait_seconds),
        _whole(event.duration_seconds),
    ]


def promise_row(outcome: ConcernOutcome, zone: ZoneInfo) -> list[str]:
    return [
        outcome.reference,
        outcome.region,
        outcome.channel,
        outcome.urgency,
        _moment(outcome.created_at, zone),
        _moment(outcome.due_at, zone),
        _moment(outcome.closed_at, zone),
        outcome.reason or "",
    ]


def _moment(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat() if moment else ""


def _whole(value: int | None) -> str:
    return "" if value is None else str(value)


def _guarded(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text
