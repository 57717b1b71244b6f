"""Counting the contact log into quarter hours, on hand-built events with known answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.counting import CountingRules, Event, count, quarter_of

RULES = CountingRules(
    target=dt.timedelta(seconds=20), short_abandon=dt.timedelta(seconds=5), repeat_window=dt.timedelta(minutes=30)
)
DAY = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)  # a Monday


def at(hh: int, mm: int, ss: int = 0, day: dt.datetime = DAY) -> dt.datetime:
    return day + dt.timedelta(hours=hh, minutes=mm, seconds=ss)


def event(kind: str, when: dt.datetime, sid: str = "CA1", **fields: Any) -> Event:
    return Event(
        occurred_at=when,
        region=fields.get("region", "siegburg"),
        channel=fields.get("channel", "phone"),
        kind=kind,
        caller=fields.get("caller"),
        reference=fields.get("reference", sid),
        duration_seconds=fields.get("duration"),
        wait_seconds=fields.get("wait"),
        detail=fields.get("detail", {}),
    )


def answered_call(sid: str, start: dt.datetime, wait: int, talk: int, caller: str | None = "p1") -> list[Event]:
    queued = start + dt.timedelta(seconds=10)
    answered = queued + dt.timedelta(seconds=wait)
    end = answered + dt.timedelta(seconds=talk)
    return [
        event("call_received", start, sid, caller=caller),
        event("queued", queued, sid),
        event("answered", answered, sid, wait=wait),
        event("call_completed", end, sid, duration=int((end - start).total_seconds())),
    ]


def counted(events: list[Event], since: dt.datetime, until: dt.datetime) -> dict[Any, dict[str, int]]:
    return count(sorted(events, key=lambda e: e.occurred_at), since=since, until=until, rules=RULES)


def test_an_answered_call_counts_in_the_quarter_it_arrived_with_its_wait_and_talk() -> None:
    rows = counted(answered_call("CA1", at(8, 14, 50), wait=15, talk=300), at(8, 0), at(9, 0))
    assert list(rows) == [("siegburg", at(8, 0))]
    row = rows[("siegburg", at(8, 0))]
    assert (row["calls"], row["callers"], row["offered"], row["answered"], row["answered_in_target"]) == (1, 1, 1, 1, 1)
    assert (row["wait_answered_s"], row["handle_s"]) == (15, 300)


def test_a_call_that_spans_midnight_counts_on_the_day_it_arrived() -> None:
    late = at(23, 50)
    events = answered_call("CA1", late, wait=30, talk=1200)  # answered 23:50:40, ends 00:10:40
    rows = counted(events, at(23, 45), at(23, 45) + dt.timedelta(hours=1))
    row = rows[("siegburg", at(23, 45))]
    assert (row["answered"], row["answered_in_target"], row["handle_s"]) == (1, 0, 1200)
    # Counting only the next day sees the call's end but not its arrival: nothing counted twice.
    assert counted(events, at(0, 0, day=DAY + dt.timedelta(days=1)), at(1, 0, day=DAY + dt.timedelta(days=1))) == {}


def test_quarter_hours_stay_whole_across_the_change_to_summer_time() -> None:
    # Europe/Berlin: 2026-03-29 02:00 local does not exist; in UTC the quarters simply go on.
    switch = dt.datetime(2026, 3, 29, 0, 59, 30, tzinfo=dt.UTC)  # 01:59:30 CET
    events = answered_call("CA1", switch, wait=5, talk=60) + answered_call(
        "CA2", switch + dt.timedelta(minutes=1), 5, 60, "p2"
    )
    rows = counted(events, dt.datetime(2026, 3, 29, 0, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 29, 2, 0, tzinfo=dt.UTC))
    assert {key[1].isoformat(): row["calls"] for key, row in rows.items()} == {
        "2026-03-29T00:45:00+00:00": 1,
        "2026-03-29T01:00:00+00:00": 1,
    }


def test_redials_within_the_window_are_one_caller_and_later_ones_a_new_one() -> None:
    events = [
        event("call_received", at(7, 0), "CA1", caller="p1"),
        event("closed_line", at(7, 0, 10), "CA1"),
        event("call_received", at(7, 20), "CA2", caller="p1"),  # redial after 20 min
        event("closed_line", at(7, 20, 10), "CA2"),
        event("call_received", at(7, 55), "CA3", caller="p1"),  # 35 min after the last: new demand
        event("closed_line", at(7, 55, 10), "CA3"),
        event("call_received", at(7, 56), "CA4", caller=None),  # withheld: its own caller
        event("closed_line", at(7, 56, 10), "CA4"),
    ]
    rows = counted(events, at(7, 0), at(8, 0))
    total = {
        name: sum(r[name] for r in rows.values()) for name in ("calls", "callers", "closed_calls", "closed_callers")
    }
    assert total == {"calls": 4, "callers": 3, "closed_calls": 4, "closed_callers": 3}


def test_a_redial_counts_as_one_caller_even_when_its_first_call_lies_before_the_stretch() -> None:
    events = [
        event("call_received", at(7, 50), "CA1", caller="p1"),
        event("call_received", at(8, 5), "CA2", caller="p1"),
    ]
    row = counted(events, at(8, 0), at(9, 0))[("siegburg", at(8, 0))]
    assert (row["calls"], row["callers"]) == (1, 0)


def test_abandons_short_abandons_and_queue_exits_are_told_apart() -> None:
    events = [
        event("call_received", at(9, 0), "CA1", caller="p1"),
        event("queued", at(9, 0, 10), "CA1"),
        event("abandoned", at(9, 0, 13), "CA1", wait=3),
        event("call_received", at(9, 1), "CA2", caller="p2"),
        event("queued", at(9, 1, 10), "CA2"),
        event("abandoned", at(9, 3, 10), "CA2", wait=120),
        event("call_received", at(9, 2), "CA3", caller="p3"),
        event("queued", at(9, 2, 10), "CA3"),
        event("left_queue_for_callback", at(9, 4, 10), "CA3", wait=120),
        # the status callback's abandon carries no wait: taken from queued to the abandon
        event("call_received", at(9, 5), "CA4", caller="p4"),
        event("queued", at(9, 5, 10), "CA4"),
        event("abandoned", at(9, 6, 10), "CA4"),
    ]
    row = counted(events, at(9, 0), at(10, 0))[("siegburg", at(9, 0))]
    assert (row["offered"], row["abandoned"], row["short_abandoned"], row["to_callback"]) == (4, 3, 1, 1)
    assert (row["wait_abandoned_s"], row["wait_exits_s"]) == (3 + 120 + 60, 120)


def test_concerns_counselling_and_settlements_count_when_they_happen() -> None:
    events = [
        event("callback_requested", at(8, 1), channel="callback", reference="concern:A"),
        event("voicemail_left", at(8, 2), channel="voicemail", reference="concern:B"),
        event("concern_raised", at(8, 3), channel="walk_in", reference="concern:C"),
        event("concern_raised", at(8, 4), channel="web_form", reference="concern:D"),
        event("concern_settled", at(8, 20), channel="callback", reference="concern:A", detail={"within_promise": True}),
        event(
            "concern_settled", at(8, 21), channel="callback", reference="concern:B", detail={"within_promise": False}
        ),
        event("counselling_booked", at(8, 5), channel="video", reference="booking:1"),
        event("counselling_no_show", at(8, 6), channel="phone", reference="booking:2"),
    ]
    rows = counted(events, at(8, 0), at(9, 0))
    first, second = rows[("siegburg", at(8, 0))], rows[("siegburg", at(8, 15))]
    assert (first["callbacks_requested"], first["voicemails"], first["walk_ins"], first["web_forms"]) == (1, 1, 1, 1)
    assert (first["counselling_booked"], first["counselling_no_show"]) == (1, 1)
    assert (second["settled"], second["settled_in_promise"]) == (2, 1)


def test_availability_is_spread_over_the_quarters_it_spans_and_capped() -> None:
    who = {"reference": "counsellor:7", "caller": None}
    events = [
        event("counsellor_available", at(8, 10), **who),
        event("counsellor_unavailable", at(8, 40), **who),
        event("counsellor_available", at(20, 0), **who),  # never signed off
    ]
    rows = counted(events, at(8, 0), at(9, 0))
    assert {k[1].strftime("%H:%M"): r["available_s"] for k, r in rows.items()} == {
        "08:00": 300,
        "08:15": 900,
        "08:30": 600,
    }
    night = counted(events, at(20, 0), at(20, 0) + dt.timedelta(hours=24))
    assert sum(r["available_s"] for r in night.values()) == 12 * 3600


@settings(max_examples=60, deadline=None)
@given(
    starts=st.lists(st.integers(min_value=0, max_value=4 * 3600), min_size=1, max_size=30),
    split=st.integers(min_value=1, max_value=15),
)
def test_counting_in_two_stretches_gives_what_counting_in_one_does(starts: list[int], split: int) -> None:
    events: list[Event] = []
    for n, offset in enumerate(starts):
        events += answered_call(
            f"CA{n}", at(6, 0) + dt.timedelta(seconds=offset), wait=n % 40, talk=60 + n, caller=f"p{n % 4}"
        )
    cut = at(6, 0) + dt.timedelta(minutes=15 * split)
    whole = counted(events, at(6, 0), at(10, 15))
    parts = counted(events, at(6, 0), cut) | counted(events, cut, at(10, 15))
    assert parts == whole
    assert sum(r["calls"] for r in whole.values()) == len(starts)


@pytest.mark.parametrize(("moment", "quarter"), [("08:14:59", "08:00"), ("08:15:00", "08:15"), ("23:59:59", "23:45")])
def test_quarter_of(moment: str, quarter: str) -> None:
    hh, mm, ss = (int(x) for x in moment.split(":"))
    assert quarter_of(at(hh, mm, ss)).strftime("%H:%M") == quarter
