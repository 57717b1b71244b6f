"""Counsellors needed against counsellors available, per staffing interval of the week.

Load per interval: the offered calls of that weekday and interval, averaged over how often the
weekday occurs in the period. Handling time: the period's mean. Erlang A with the callers'
patience where enough abandons were seen to estimate it, Erlang C otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from config.deployment import PlanningSettings
from planning.erlang import Staffing, paid_counsellors, required_agents_many
from planning.metrics import Counts


@dataclass(frozen=True, slots=True)
class IntervalStaffing:
    day: int  # 0 = Monday
    slot: int  # of the day, `interval` minutes long
    calls: float  # offered, mean per occurrence of the weekday
    needed: int  # on the phone, to meet the target
    paid: float  # to employ, with shrinkage
    available: float  # on the line, mean
    service_level: float | None  # what `needed` achieves


def staffing_by_interval(
    by_slot: Mapping[tuple[int, int], Counts],
    weekday_counts: Sequence[int],
    *,
    open_slots: set[tuple[int, int]],
    aht_s: float | None,
    patience_s: float | None,
    settings: PlanningSettings,
) -> list[IntervalStaffing]:
    """One entry per interval that was open or had offered calls, in week order."""
    interval_s = settings.interval.total_seconds()
    keys = sorted({key for key, c in by_slot.items() if c["offered"] or c["available_s"]} | open_slots)
    loads = [by_slot.get(key, {}).get("offered", 0) / max(1, weekday_counts[key[0]]) for key in keys]
    needs: list[Staffing | None] = [None] * len(keys)
    if aht_s is not None and aht_s > 0:
        needs = list(
            required_agents_many(
                [round(load, 3) for load in loads],
                interval_s,
                aht_s,
                settings.target.total_seconds(),
                settings.service_level,
                patience_s,
                settings.max_occupancy,
            )
        )
    result = []
    for key, load, need in zip(keys, loads, needs, strict=True):
        available_s = by_slot.get(key, {}).get("available_s", 0)
        agents = need.agents if need is not None else 0
        result.append(
            IntervalStaffing(
                day=key[0],
                slot=key[1],
                calls=load,
                needed=agents,
                paid=paid_counsellors(agents, settings.shrinkage),
                available=available_s / max(1, weekday_counts[key[0]]) / interval_s,
                service_level=need.service_level if need is not None and load else None,
            )
        )
    return result
