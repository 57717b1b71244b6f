"""Quarter-hour roll-ups regrouped in local time, in one pass: by day (or week), by hour of the
week, by staffing slot of the week. A year of four regions is about 35,000 rows, so the pass adds
whole rows at C speed (`map(add, …)`) and converts only the few hundred sums to mappings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from operator import add
from zoneinfo import ZoneInfo

from planning.metrics import Counts
from planning.models import COUNT_COLUMNS

Rows = Sequence[tuple[dt.datetime, Sequence[int]]]  # start (UTC) and the counts in COUNT_COLUMNS order


@dataclass(frozen=True, slots=True)
class Regrouped:
    series: dict[dt.date, Counts]  # by local day, or by the Monday of the week
    total: Counts
    by_hour: dict[tuple[int, int], Counts]  # (weekday, hour) -> every count
    by_slot: dict[tuple[int, int], Counts]  # (weekday, slot of the day) -> every count


def regroup(rows: Rows, zone: ZoneInfo, *, slot_minutes: int, weekly: bool) -> Regrouped:
    series: dict[dt.date, list[int]] = {}
    hours: dict[tuple[int, int], list[int]] = {}
    slots: dict[tuple[int, int], list[int]] = {}
    for starts_at, counts in rows:
        local = starts_at.astimezone(zone)
        day = local.date()
        weekday = day.weekday()
        if weekly:
            day -= dt.timedelta(days=weekday)
        _add(series, day, counts)
        _add(slots, (weekday, (local.hour * 60 + local.minute) // slot_minutes), counts)
        _add(hours, (weekday, local.hour), counts)
    total = [0] * len(COUNT_COLUMNS)
    for sums in series.values():
        total[:] = map(add, total, sums)
    return Regrouped(
        series={day: _counts(sums) for day, sums in series.items()},
        total=_counts(total),
        by_hour={key: _counts(sums) for key, sums in hours.items()},
        by_slot={key: _counts(sums) for key, sums in slots.items()},
    )


def _add(
    buckets: dict[dt.date, list[int]] | dict[tuple[int, int], list[int]], key: object, counts: Sequence[int]
) -> None:
    sums = buckets.get(key)  # type: ignore[call-overload]
    if sums is None:
        buckets[key] = list(counts)  # type: ignore[index]
    else:
        sums[:] = map(add, sums, counts)


def _counts(sums: Sequence[int]) -> Counts:
    return dict(zip(COUNT_COLUMNS, sums, strict=True))
