"""A customer's preferred time window: local wall-clock times of one day, stored in UTC.

The contact form offers windows inside the hotline hours of the days it offers (`offered_days`).
Whether a window ends before it starts or is over, the intake checks (`callbacks.intake`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from callbacks.refusals import RefusalCode
from config.deployment import Deployment, Region
from routing import open_ranges


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


WINDOW_STEP = 30  # minutes between the times offered, and the shortest window
WINDOW_DAYS = 5  # days with hotline hours offered for a preferred time window
_LAST_END = 24 * 60 - WINDOW_STEP


@dataclass(frozen=True, slots=True)
class DayOffer:
    """A day offered for a callback window: its hotline hours, in which a window must lie, and
    the part of them still to come, which the page offers (minutes since local midnight)."""

    day: dt.date
    hours: tuple[tuple[int, int], ...]
    ranges: tuple[tuple[int, int], ...]  # today: from the step before now on; other days: `hours`

    def starts(self) -> list[int]:
        return [t for a, b in self.hours for t in range(a, b - WINDOW_STEP + 1, WINDOW_STEP)]

    def ends(self) -> list[int]:
        return [t for a, b in self.hours for t in range(a + WINDOW_STEP, b + 1, WINDOW_STEP)]

    def holds(self, start: int, end: int) -> bool:
        """Whether the window lies inside one stretch of the day's hotline hours, on the step.

        A window of today that is already over lies inside them too: the intake says it is past.
        """
        return start in self.starts() and end in self.ends() and any(a <= start < end <= b for a, b in self.hours)


def offered_days(region: Region, deployment: Deployment, now: dt.datetime) -> list[DayOffer]:
    """The next days with hotline hours, today included while a window still fits into them.

    Counsellors call back while the line is staffed, so a window lies within one day's hotline
    hours (weekly and special hours, holidays and closures applied): a day the line closes at
    12:00 offers nothing after 12:00, and a day without hotline hours is not offered at all.
    """
    local = now.astimezone(deployment.zone)
    today, minute = local.date(), local.hour * 60 + local.minute
    offers: list[DayOffer] = []
    for offset in range(WINDOW_DAYS * 8):  # room for weekends, holidays and the closure between the years
        day = today + dt.timedelta(days=offset)
        # A window is one day's wall-clock times: one ending at midnight ends at 23:30 instead.
        hours = tuple(
            (a, min(b, _LAST_END)) for a, b in open_ranges(region, "hotline", day, deployment) if min(b, _LAST_END) > a
        )
        ranges = hours
        if day == today:
            # A window already begun still counts while some of it is left: start on the step before now.
            ranges = tuple((max(a, a + (minute - a) // WINDOW_STEP * WINDOW_STEP), b) for a, b in ranges)
        ranges = tuple((a, b) for a, b in ranges if b - a >= WINDOW_STEP)
        if ranges:
            offers.append(DayOffer(day, hours, ranges))
            if len(offers) == WINDOW_DAYS:
                break
    return offers


def clock_text(minutes: int) -> str:
    """Minutes since midnight as the form's value: "08:30" (never 24:00; a window ends by 23:30)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes_of(text: str) -> int | None:
    """The form's "HH:MM" as minutes since midnight; None for anything else."""
    if len(text) != 5 or text[2] != ":" or not (text[:2].isdigit() and text[3:].isdigit()):
        return None
    hours, minutes = int(text[:2]), int(text[3:])
    return hours * 60 + minutes if hours < 24 and minutes < 60 else None
