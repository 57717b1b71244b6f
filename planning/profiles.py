"""Roll-ups regrouped in local time: by slot of the week, by day, by week."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar
from zoneinfo import ZoneInfo

from planning.metrics import Counts

Rows = Sequence[tuple[dt.datetime, Counts]]
K = TypeVar("K", bound=Hashable)


def bucketed(
    rows: Rows, zone: ZoneInfo, key: Callable[[dt.datetime], K], columns: Iterable[str]
) -> dict[K, dict[str, int]]:
    """Sums of `columns` per bucket, the bucket taken from each quarter hour's local start."""
    names = tuple(columns)
    buckets: dict[K, dict[str, int]] = {}
    for starts_at, counts in rows:
        bucket = key(starts_at.astimezone(zone))
        sums = buckets.get(bucket)
        if sums is None:
            sums = buckets[bucket] = dict.fromkeys(names, 0)
        for name in names:
            sums[name] += counts[name]
    return buckets


def slot_of_week(slot_minutes: int) -> Callable[[dt.datetime], tuple[int, int]]:
    """(weekday, slot of the day) of a local moment, for slots of 15, 30 or 60 minutes."""

    def key(local: dt.datetime) -> tuple[int, int]:
        return local.weekday(), (local.hour * 60 + local.minute) // slot_minutes

    return key


def local_day(local: dt.datetime) -> dt.date:
    return local.date()


def week_start(local: dt.datetime) -> dt.date:
    return local.date() - dt.timedelta(days=local.weekday())
