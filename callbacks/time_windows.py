"""A customer's preferred time window: local wall-clock times of one day, stored in UTC.

Whether a window ends before it starts or is over, the intake checks (`callbacks.intake`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from callbacks.refusals import RefusalCode


def all_parts_given(parts: Mapping[str, str], errors: dict[str, RefusalCode]) -> bool:
    """A window is optional but all or nothing: True when every part is filled in; with some
    missing, the first missing field is refused as incomplete in `errors`."""
    missing = [name for name, value in parts.items() if not value]
    if missing and len(missing) < len(parts):
        errors[missing[0]] = "window_incomplete"
    return not missing


def local_window(day: dt.date, start: dt.time, end: dt.time, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The window in UTC.

    A time skipped or repeated by a clock change resolves to its first instant (fold=0): good
    enough for "when may we call", and such hours lie outside any office hours.
    """
    begins = dt.datetime.combine(day, start, tzinfo=zone).astimezone(dt.UTC)
    ends = dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)
    return begins, ends
