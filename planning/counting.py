"""Counting a stretch of the contact log into quarter-hour roll-ups: pure, no database.

Rules (the planner page prints the ones that are settings):
- A call counts in the quarter hour it arrived (`call_received`), with every later step of it:
  its wait, its outcome, its talk. A call whose arrival lies outside the stretch is not counted
  here; the stretch that holds its arrival counts it.
- A caller's calls within `repeat_window` of their previous call form one group: `callers`
  counts only the first of a group, so redials of a busy or closed line are not demand twice.
  Withheld numbers have no pseudonym: each such call is its own caller.
- Outcome of a queued call, the first that happened: answered, left the queue for a callback
  or voicemail, abandoned (a hang-up while waiting). Answered within `target` counts towards
  the service level; an abandon within `short_abandon` is a short abandon.
- Handling time: from `answered` to the call's end (`call_completed` or `call_failed`).
- Concerns count in the quarter hour they were raised or settled; counselling sessions when
  booked, held or missed; counsellors' availability is spread over the quarter hours it spans,
  each span capped at `MAX_AVAILABLE_SPAN` (a counsellor who forgot to sign off is not staff
  all night).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from planning.models import COUNT_COLUMNS

QUARTER = dt.timedelta(minutes=15)
CALL_SPAN = dt.timedelta(hours=4)  # the longest a call's steps trail its arrival
MAX_AVAILABLE_SPAN = dt.timedelta(hours=12)
Key = tuple[str, dt.datetime]  # region, start of the quarter hour (UTC)
_QUEUE_OUTCOMES = ("answered", "left_queue_for_callback", "left_queue_for_voicemail", "abandoned")
_CONCERN_COLUMNS = {
    "callback_requested": "callbacks_requested",
    "voicemail_left": "voicemails",
}
_RAISED_CHANNELS = {"walk_in": "walk_ins", "web_form": "web_forms"}
_COUNSELLING = {
    "counselling_booked": "counselling_booked",
    "counselling_held": "counselling_held",
    "counselling_no_show": "counselling_no_show",
}


@dataclass(frozen=True, slots=True)
class Event:
    """The columns of a contact event that counting needs."""

    occurred_at: dt.datetime
    region: str | None
    channel: str
    kind: str
    caller: str | None
    reference: str | None
    duration_seconds: int | None
    wait_seconds: int | None
    detail: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CountingRules:
    target: dt.timedelta
    short_abandon: dt.timedelta
    repeat_window: dt.timedelta

    @property
    def key(self) -> str:
        """Roll-ups counted under other rules are counted again."""
        seconds = (int(t.total_seconds()) for t in (self.target, self.short_abandon, self.repeat_window))
        return "target={}s;short={}s;repeat={}s".format(*seconds)


def quarter_of(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def count(
    events: Iterable[Event], *, since: dt.datetime, until: dt.datetime, rules: CountingRules
) -> dict[Key, dict[str, int]]:
    """The roll-ups of the quarter hours in [since, until), both on the quarter hour.

    `events` must hold everything from `since - max(repeat_window, MAX_AVAILABLE_SPAN)` to
    `until + CALL_SPAN`, oldest first: the earlier ones for redials and open availability, the
    later ones for the ends of calls that arrived before `until`.
    """
    rows: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_COLUMNS, 0))
    calls: dict[str, list[Event]] = defaultdict(list)
    last_call: dict[tuple[str, str], dt.datetime] = {}  # (region, caller) -> arrival of their last call
    repeats: set[str] = set()
    available_since: dict[tuple[str, str], dt.datetime] = {}
    for event in events:
        region, at = event.region, event.occurred_at
        if region is None:
            continue
        inside = since <= at < until
        if event.channel == "phone" and event.reference and event.reference.startswith("CA"):
            if event.kind == "call_received" and event.caller is not None:
                previous = last_call.get((region, event.caller))
                if previous is not None and at - previous < rules.repeat_window:
                    repeats.add(event.reference)
                last_call[(region, event.caller)] = at
            calls[event.reference].append(event)
            continue
        if event.kind in ("counsellor_available", "counsellor_unavailable"):
            _availability(rows, available_since, event, since=since, until=until)
            continue
        if not inside:
            continue
        row = rows[(region, quarter_of(at))]
        if event.kind in _CONCERN_COLUMNS:
            row[_CONCERN_COLUMNS[event.kind]] += 1
        elif event.kind == "concern_raised" and event.channel in _RAISED_CHANNELS:
            row[_RAISED_CHANNELS[event.channel]] += 1
        elif event.kind == "concern_settled":
            row["settled"] += 1
            row["settled_in_promise"] += bool(event.detail.get("within_promise"))
        elif event.kind in _COUNSELLING:
            row[_COUNSELLING[event.kind]] += 1
    for (region, _counsellor), started in available_since.items():
        _spread(rows, region, max(started, since), min(until, started + MAX_AVAILABLE_SPAN))
    for reference, steps in calls.items():
        _count_call(rows, steps, reference in repeats, since=since, until=until, rules=rules)
    return {key: row for key, row in rows.items() if any(row.values())}


def _count_call(
    rows: dict[Key, dict[str, int]],
    steps: list[Event],
    repeat: bool,
    *,
    since: dt.datetime,
    until: dt.datetime,
    rules: CountingRules,
) -> None:
    arrival = next((s for s in steps if s.kind == "call_received"), None)
    if arrival is None or not since <= arrival.occurred_at < until or arrival.region is None:
        return
    row = rows[(arrival.region, quarter_of(arrival.occurred_at))]
    kinds = {s.kind: s for s in steps}
    row["calls"] += 1
    row["callers"] += not repeat
    queued = kinds.get("queued")
    if queued is None:
        if "closed_line" in kinds or "closed_menu_choice" in kinds:
            row["closed_calls"] += 1
            row["closed_callers"] += not repeat
            row["closed_to_callback"] += any(
                s.kind == "closed_menu_choice" and s.detail.get("choice") == "callback" for s in steps
            )
        return
    row["offered"] += 1
    outcome = min((s for s in steps if s.kind in _QUEUE_OUTCOMES), key=lambda s: s.occurred_at, default=None)
    if outcome is None:
        return  # still waiting, or its end was never logged: offered, nothing more known
    wait = outcome.wait_seconds
    if wait is None:
        wait = max(0, int((outcome.occurred_at - queued.occurred_at).total_seconds()))
    if outcome.kind == "answered":
        row["answered"] += 1
        row["answered_in_target"] += wait <= rules.target.total_seconds()
        row["wait_answered_s"] += wait
        end = kinds.get("call_completed") or kinds.get("call_failed")
        if end is not None:
            row["handle_s"] += max(0, int((end.occurred_at - outcome.occurred_at).total_seconds()))
    elif outcome.kind == "abandoned":
        row["abandoned"] += 1
        row["short_abandoned"] += wait < rules.short_abandon.total_seconds()
        row["wait_abandoned_s"] += wait
    else:
        row["to_callback" if outcome.kind == "left_queue_for_callback" else "to_voicemail"] += 1
        row["wait_exits_s"] += wait


def _availability(
    rows: dict[Key, dict[str, int]],
    available_since: dict[tuple[str, str], dt.datetime],
    event: Event,
    *,
    since: dt.datetime,
    until: dt.datetime,
) -> None:
    assert event.region is not None
    key = (event.region, event.reference or "")
    started = available_since.pop(key, None)
    if started is not None:  # a second "available" closes the first span too: rejoining a region
        end = min(event.occurred_at, started + MAX_AVAILABLE_SPAN)
        _spread(rows, event.region, max(started, since), min(end, until))
    if event.kind == "counsellor_available":
        available_since[key] = event.occurred_at


def _spread(rows: dict[Key, dict[str, int]], region: str, start: dt.datetime, end: dt.datetime) -> None:
    """Add the seconds of [start, end) to the quarter hours they fall in."""
    while start < end:
        quarter = quarter_of(start)
        stop = min(end, quarter + QUARTER)
        rows[(region, quarter)]["available_s"] += int((stop - start).total_seconds())
        start = stop
