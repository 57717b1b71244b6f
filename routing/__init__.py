"""The pure routing core: hours, holidays, closures and time zones → who answers, and when.

Nothing here reads a clock or does I/O: `now` is always an argument.
"""

from routing.calendar import is_working_day
from routing.decision import Decision, decide, decision_as_json, find_region
from routing.hours import hours_per_week
from routing.numbers import UnknownNumber
from routing.sla import due_at
from routing.windows import is_open, next_opening, next_window, open_ranges

__all__ = [
    "Decision",
    "UnknownNumber",
    "decide",
    "decision_as_json",
    "due_at",
    "find_region",
    "hours_per_week",
    "is_open",
    "is_working_day",
    "next_opening",
    "next_window",
    "open_ranges",
]
