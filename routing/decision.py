"""What a caller gets: `decide(dialled_number, now, deployment) -> Decision`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from config.deployment import Deployment, Region
from routing.index import DayPlan, index_for
from routing.wallclock import datetime_of, instant_of, require_aware, time_of_day
from routing.windows import first_window

ClosedReason = Literal["outside_hours", "holiday", "closure"]
DecisionJson = dict[str, str | bool | list[str] | None]

_OPEN_OFFERS = ("queue", "callback", "voicemail")


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a region's hotline is open at a moment, why not, and what the caller is offered.

    `next_opening` is set only when closed, `closes_at` only when open (None when it does not
    close within the search horizon of a year); both are aware, in the deployment's zone.
    """

    region: Region
    open: bool
    reason: ClosedReason | None
    detail: str | None  # the holiday's name or the closure's reason
    next_opening: dt.datetime | None
    closes_at: dt.datetime | None
    offers: tuple[str, ...]


def find_region(dialled_number: str, deployment: Deployment) -> Region:
    """The region owning a number in any notation; raise `UnknownNumber` if none does."""
    return index_for(deployment).find_region(dialled_number)


def decide(dialled_number: str, now: dt.datetime, deployment: Deployment) -> Decision:
    """Route a call to a dialled number at `now` (aware): open or closed, why, and what to offer."""
    require_aware(now)
    index = index_for(deployment)
    region = index.find_region(dialled_number)
    regional = index.region_index(region)
    local = now.astimezone(index.zone)
    ordinal = local.toordinal()
    instant = instant_of(now)
    window = first_window(regional, "hotline", ordinal, instant)
    if window is not None and window.start <= instant:
        closes_at = None if window.cut else datetime_of(window.end, index.zone)
        return Decision(region, True, None, None, None, closes_at, _OPEN_OFFERS)
    reason, detail = _closed_because(regional.plan("hotline", ordinal), time_of_day(local))
    next_opening = None if window is None else datetime_of(window.start, index.zone)
    return Decision(region, False, reason, detail, next_opening, None, regional.closed_offers)


def _closed_because(plan: DayPlan, wall: int) -> tuple[ClosedReason, str | None]:
    """Closures beat holidays beat weekly hours."""
    for start, end, reason in plan.closures:
        if start <= wall < end:
            return "closure", reason
    if plan.holiday is not None:
        return "holiday", plan.holiday
    return "outside_hours", None


def decision_as_json(decision: Decision) -> DecisionJson:
    """A decision as JSON-ready data: region id, ISO 8601 times with offset, offers as a list."""
    return {
        "region": decision.region.id,
        "open": decision.open,
        "reason": decision.reason,
        "detail": decision.detail,
        "next_opening": _iso(decision.next_opening),
        "closes_at": _iso(decision.closes_at),
        "offers": list(decision.offers),
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")
