"""The demo's hotline queue: counsellors on one open window answer waiting callers first come, first served.

Times are whole seconds since the Unix epoch. A caller who gives up never takes a counsellor,
so handing each caller who stays the counsellor free soonest is exactly first come, first served.
"""

from __future__ import annotations

import heapq
import math

MAX_COUNSELLORS = 6
PLANNED_OCCUPANCY = 0.7  # planners staff a window for the calls of an ordinary week at this load


def counsellors_for(planned_calls: float, handle_seconds: float, window_seconds: float) -> int:
    """How many counsellors a planner puts on a window expecting `planned_calls` calls (1 to 6)."""
    if window_seconds <= 0:
        return 1
    load = planned_calls * handle_seconds / window_seconds
    return max(1, min(MAX_COUNSELLORS, math.ceil(load / PLANNED_OCCUPANCY)))


class HotlineShift:
    """The counsellors taking hotline calls in one open window, and when each is free again."""

    __slots__ = ("_free", "counsellors", "end", "last_talk_end", "start")

    def __init__(self, start: int, end: int, counsellors: list[int]) -> None:
        self.start = start
        self.end = end
        self.counsellors = counsellors  # their user ids
        self._free = [(start, index) for index in range(len(counsellors))]
        self.last_talk_end = [start] * len(counsellors)

    def answer_at(self, queued_at: int, ring: int) -> int:
        """When a caller queued at `queued_at` would be answered: the first counsellor free,
        plus the seconds it takes to ring her."""
        return max(queued_at, self._free[0][0]) + ring

    def take(self, answered_at: int, talk_ends: int) -> None:
        """The first counsellor free answers a caller and talks until `talk_ends`."""
        _, index = self._free[0]
        assert answered_at >= self._free[0][0]
        heapq.heapreplace(self._free, (talk_ends, index))
        self.last_talk_end[index] = talk_ends
