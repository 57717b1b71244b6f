"""What-if: how variants of the hotline hours would have met the same weekly demand.

Pure: the demand profile comes from the contact log, the staffing rule (Erlang C in the planner)
is passed in, so each variant is compared on equal terms.

A slot that the hours cover only in part (a block ending at 12:15 with 30-minute slots) counts
by its covered fraction: demand is taken as spread evenly over the slot, so that fraction of it
reaches an open line, and the counsellors the slot needs are paid for the covered minutes. The
staffing rule is asked about the demand of the whole slot, because that is its rate of calls
while the line is open.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from config.deployment import MINUTES_PER_DAY, WeeklyHours
from planning.demand import WeeklyDemand


@dataclass(frozen=True, slots=True)
class VariantOutcome:
    """One variant's week: demand reaching an open or a closed line, the callbacks the closed
    line raises, and the hours the line is open and counsellors are needed."""

    name: str
    open_demand: float
    closed_demand: float
    callbacks: float
    open_hours: float
    counsellor_hours: float

    @property
    def open_share(self) -> float:
        """The share of all demand that reaches an open line."""
        total = self.open_demand + self.closed_demand
        return self.open_demand / total if total > 0 else 0.0


def compare(
    demand: WeeklyDemand,
    variants: Mapping[str, WeeklyHours],
    *,
    closed_callback_rate: float,
    agents_needed: Callable[[float], int],
) -> list[VariantOutcome]:
    """Each variant's outcome on the demand, in the order given."""
    if not (isinstance(closed_callback_rate, int | float) and 0 <= closed_callback_rate <= 1):
        raise ValueError(f"closed_callback_rate: {closed_callback_rate!r} is not a share between 0 and 1")
    return [_outcome(name, demand, hours, closed_callback_rate, agents_needed) for name, hours in variants.items()]


def covered_fractions(hours: WeeklyHours, slot_minutes: int) -> list[list[float]]:
    """Per weekday and slot, the fraction of the slot the hours cover (0 to 1)."""
    slots = MINUTES_PER_DAY // slot_minutes
    fractions: list[list[float]] = []
    for ranges in hours.days:
        covered = [0] * slots
        for time_range in ranges:
            first = time_range.start // slot_minutes
            last = (time_range.end - 1) // slot_minutes
            for slot in range(first, last + 1):
                start = slot * slot_minutes
                covered[slot] += min(time_range.end, start + slot_minutes) - max(time_range.start, start)
        # ranges of a day do not overlap (the loader guarantees it), so no slot exceeds its length
        fractions.append([minutes / slot_minutes for minutes in covered])
    return fractions


def _outcome(
    name: str,
    demand: WeeklyDemand,
    hours: WeeklyHours,
    closed_callback_rate: float,
    agents_needed: Callable[[float], int],
) -> VariantOutcome:
    slot_hours = demand.slot_minutes / 60
    reached: list[float] = []
    missed: list[float] = []
    staffed: list[float] = []
    for values, fractions in zip(demand.values, covered_fractions(hours, demand.slot_minutes), strict=True):
        for value, fraction in zip(values, fractions, strict=True):
            reached.append(value * fraction)
            missed.append(value * (1 - fraction))
            if fraction > 0:
                staffed.append(agents_needed(value) * fraction * slot_hours)
    closed = math.fsum(missed)
    return VariantOutcome(
        name=name,
        open_demand=math.fsum(reached),
        closed_demand=closed,
        callbacks=closed * closed_callback_rate,
        open_hours=hours.hours_per_week,
        counsellor_hours=math.fsum(staffed),
    )
