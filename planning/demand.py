"""Demand by slot of the week: how many distinct callers call in each local slot, on average.

It is the input of the hours planner (`planning.recommend`) and the what-if comparison
(`planning.what_if`). It counts callers whether the line was open or not: a caller who hit the
closed line is demand the hours did not serve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from config.deployment import MINUTES_PER_DAY, WEEKDAYS

SLOT_LENGTHS: tuple[int, ...] = (15, 30, 60)


@dataclass(frozen=True, slots=True)
class WeeklyDemand:
    """Mean distinct callers per week in each local slot: `values[day][slot]`, Monday first."""

    slot_minutes: int
    values: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        if self.slot_minutes not in SLOT_LENGTHS:
            raise ValueError(f"slot_minutes: {self.slot_minutes!r} is not one of {', '.join(map(str, SLOT_LENGTHS))}")
        if not isinstance(self.values, tuple) or len(self.values) != len(WEEKDAYS):
            raise ValueError(f"values: must be a tuple of {len(WEEKDAYS)} days, Monday first")
        per_day = self.slots_per_day
        for day, row in enumerate(self.values):
            if not isinstance(row, tuple) or len(row) != per_day:
                slots = f"{per_day} slots of {self.slot_minutes} minutes"
                raise ValueError(f"values[{day}] ({WEEKDAYS[day]}): must be a tuple of {slots}")
            for slot, value in enumerate(row):
                # bool is an int; a True among the counts is a bug upstream, not one caller
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"values[{day}][{slot}]: {value!r} is not a number")
                if not math.isfinite(value):
                    raise ValueError(f"values[{day}][{slot}]: {value!r} is not finite")
                if value < 0:
                    raise ValueError(f"values[{day}][{slot}]: {value!r} is negative")

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.slot_minutes

    @property
    def total(self) -> float:
        """All demand of a mean week."""
        return math.fsum(value for row in self.values for value in row)
