"""A customer's preferred time window: local wall-clock times of one day, stored in UTC."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal
from zoneinfo import ZoneInfo

WindowProblem = Literal["reversed", "over"]


def all_parts_given(parts: Mapping[str, str], errors: dict[str, str], incomplete: str) -> bool:
    """A window is optional but all or nothing: True when every part is filled in; with some
    missing, the first missing field gets `incomplete` (the page's wording) in `errors`."""
    missing = [name for name, value in parts.items() if not value]
    if missing and len(missing) < len(parts):
        errors[missing[0]] = incomplete
    return not missing


def local_window(
    day: dt.date, start: dt.time, end: dt.time, zone: ZoneInfo, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime, WindowProblem | None]:
    """The window in UTC and what is wrong with it, if anything (ends before it starts, or is over).

    A time skipped or repeated by a clock change resolves to its first instant (fold=0): good
    enough for "when may we call", and such hours lie outside any office hours.
    """
    begins = dt.datetime.combine(day, start, tzinfo=zone).astimezone(dt.UTC)
    ends = dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)
    if ends <= begins:
        return begins, ends, "reversed"
    return begins, ends, "over" if ends <= now else None
