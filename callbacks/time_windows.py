"""A customer's preferred time window: local wall-clock times of one day, stored in UTC."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

WindowProblem = Literal["reversed", "over"]


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
