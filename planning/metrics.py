"""Figures from summed roll-ups, under the deployment's counting choices: pure arithmetic.

Each figure is None where it has no denominator (no calls answered, nobody available), so a
page says "–" rather than a made-up 0 % or 100 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.deployment import PlanningSettings

Counts = Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Figures:
    calls: int
    callers: int
    closed_calls: int
    closed_callers: int
    offered: int
    answered: int
    abandoned: int  # as the settings count them: short abandons and queue exits included or not
    short_abandoned: int
    queue_exits: int  # left the queue for a callback or a voicemail
    service_level: float | None
    asa_s: float | None  # mean wait of answered calls
    aht_s: float | None  # mean handling time of answered calls
    abandon_rate: float | None  # of offered calls
    patience_s: float | None  # callers' mean patience: total waiting time / abandons, None when too few
    concerns: int
    callbacks: int  # from the queue, the closed-line menu and SMS
    voicemails: int
    walk_ins: int
    web_forms: int
    settled: int
    settled_in_promise_share: float | None
    counselling_booked: int
    counselling_held: int
    counselling_no_show: int
    occupancy: float | None  # talk time over counsellors' time on the hotline


def figures(c: Counts, settings: PlanningSettings) -> Figures:
    short = c["short_abandoned"]
    exits = c["to_callback"] + c["to_voicemail"]
    abandoned = c["abandoned"] - (0 if settings.count_short_abandons else short)
    abandoned += exits if settings.queue_exits_abandoned else 0
    denominator = c["answered"] + (abandoned if settings.count_abandoned else 0)
    all_abandons = c["abandoned"] + (exits if settings.queue_exits_abandoned else 0)
    waited = c["wait_answered_s"] + c["wait_abandoned_s"] + c["wait_exits_s"]
    return Figures(
        calls=c["calls"],
        callers=c["callers"],
        closed_calls=c["closed_calls"],
        closed_callers=c["closed_callers"],
        offered=c["offered"],
        answered=c["answered"],
        abandoned=abandoned,
        short_abandoned=short,
        queue_exits=exits,
        service_level=_share(c["answered_in_target"], denominator),
        asa_s=_share(c["wait_answered_s"], c["answered"]),
        aht_s=_share(c["handle_s"], c["answered"]),
        abandon_rate=_share(abandoned, c["offered"]),
        patience_s=waited / all_abandons if all_abandons >= settings.min_abandons else None,
        concerns=c["callbacks_requested"] + c["voicemails"] + c["walk_ins"] + c["web_forms"],
        callbacks=c["callbacks_requested"],
        voicemails=c["voicemails"],
        walk_ins=c["walk_ins"],
        web_forms=c["web_forms"],
        settled=c["settled"],
        settled_in_promise_share=_share(c["settled_in_promise"], c["settled"]),
        counselling_booked=c["counselling_booked"],
        counselling_held=c["counselling_held"],
        counselling_no_show=c["counselling_no_show"],
        occupancy=_share(c["handle_s"], c["available_s"]),
    )


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None
