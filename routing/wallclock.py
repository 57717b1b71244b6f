"""Local wall-clock time and instants, exact across daylight-saving changes.

Instants are integers: microseconds since the Unix epoch. Integer arithmetic keeps the hot path
cheap, and it sidesteps a trap of aware datetimes: two datetimes sharing a tzinfo are compared
and subtracted by their wall-clock fields, so the two passes of a repeated hour would mix up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_ONE_US = dt.timedelta(microseconds=1)
_NO_CHANGE = 2 * US_PER_DAY  # beyond any wall-clock time of the day

Span = tuple[int, int]  # [start, end): wall-clock microseconds of a day, or instants


def require_aware(moment: dt.datetime) -> None:
    """Raise ValueError unless `moment` carries a UTC offset."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone: pass an aware datetime")


def instant_of(moment: dt.datetime) -> int:
    """The instant of an aware datetime."""
    return (moment - _EPOCH) // _ONE_US


def datetime_of(instant: int, zone: ZoneInfo) -> dt.datetime:
    """An instant as an aware datetime in `zone`."""
    return (_EPOCH + dt.timedelta(microseconds=instant)).astimezone(zone)


def time_of_day(moment: dt.datetime) -> int:
    """The wall-clock time of day of `moment`, in microseconds since its midnight."""
    seconds = (moment.hour * 60 + moment.minute) * 60 + moment.second
    return seconds * US_PER_SECOND + moment.microsecond


@dataclass(frozen=True, slots=True)
class DayClock:
    """How the wall clock of one local date maps onto instants.

    A day has at most one offset change (true of every zone in use). At the change the clock
    jumps from `change_from` to `change_to` (wall-clock microseconds since midnight): forward
    over a gap in spring, back over a repeated stretch in autumn.
    """

    midnight: int  # the date's midnight read as if it were UTC
    offset_before: int
    offset_after: int
    change_from: int = _NO_CHANGE
    change_to: int = _NO_CHANGE

    def first_instant(self, wall: int) -> int:
        """The first instant whose wall clock reads `wall` or later.

        A time in a spring gap becomes the end of the gap; a repeated time its first pass.
        `wall` may be a full day (24:00), the next midnight.
        """
        if wall < self.change_from:
            return self.midnight + wall - self.offset_before
        if wall < self.change_to:
            return self.midnight + self.change_from - self.offset_before
        return self.midnight + wall - self.offset_after

    def spans(self, ranges: tuple[Span, ...]) -> tuple[Span, ...]:
        """The instants whose wall clock falls in `ranges` (sorted, disjoint), merged and in order."""
        if self.change_to >= self.change_from:
            pieces = [(self.first_instant(a), self.first_instant(b)) for a, b in ranges]
        else:
            # In autumn the stretch [change_to, change_from) is read twice: once before the
            # change and again after it, so a range touching it yields instants in both passes.
            change = self.midnight + self.change_from - self.offset_before
            first = [
                (self.first_instant(a), self.first_instant(b) if b < self.change_from else change)
                for a, b in ranges
                if a < self.change_from
            ]
            second = [
                (self.midnight + max(a, self.change_to) - self.offset_after, self.midnight + b - self.offset_after)
                for a, b in ranges
                if b > self.change_to
            ]
            pieces = first + second
        return merge(pieces)


def merge(pieces: list[Span]) -> tuple[Span, ...]:
    """Drop empty spans and join spans that touch; `pieces` must be in order."""
    merged: list[Span] = []
    for start, end in pieces:
        if start >= end:
            continue
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


@lru_cache(maxsize=8192)
def day_clock(zone: ZoneInfo, ordinal: int) -> DayClock:
    """The wall clock of the local date with this proleptic ordinal, in `zone`."""
    day = dt.datetime.combine(dt.date.fromordinal(ordinal), dt.time())
    midnight = (ordinal - _EPOCH_ORDINAL) * US_PER_DAY
    before = _offset_of_wall(zone, day)
    after = _offset_of_wall(zone, day + dt.timedelta(days=1))
    if before == after:
        return DayClock(midnight, before, after)
    change = _find_change(zone, midnight - before, midnight + US_PER_DAY - after, after)
    return DayClock(midnight, before, after, change + before - midnight, change + after - midnight)


def _offset_of_wall(zone: ZoneInfo, wall: dt.datetime) -> int:
    offset = zone.utcoffset(wall)
    assert offset is not None
    return offset // _ONE_US


def _offset_at(zone: ZoneInfo, instant: int) -> int:
    offset = datetime_of(instant, zone).utcoffset()
    assert offset is not None
    return offset // _ONE_US


def _find_change(zone: ZoneInfo, low: int, high: int, offset_after: int) -> int:
    """The first instant in (low, high] that has `offset_after`, to the second."""
    low_s, high_s = low // US_PER_SECOND, -(-high // US_PER_SECOND)
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        if _offset_at(zone, middle * US_PER_SECOND) == offset_after:
            high_s = middle
        else:
            low_s = middle
    return high_s * US_PER_SECOND
