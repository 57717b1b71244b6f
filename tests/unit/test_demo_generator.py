"""The demo generator, without a database: the same seed gives the same contacts, every call follows
the contact log's order, and demand has the shape planners know (Mondays, the start of a month)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter, defaultdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.pseudonyms import Pseudonymiser
from contacts.service import contact_event_row
from planning.demo import DemoContacts, demo_events
from planning.demo_demand import month_factor, poisson
from routing import is_working_day
from tests.support import TEST_SECRET

DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
PSEUDONYMS = Pseudonymiser(TEST_SECRET)
UNTIL = dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC)
_CALL_SID = re.compile(r"CA[0-9a-f]{32}")
_QUEUE_OUTCOMES = {"answered", "abandoned", "left_queue_for_callback", "left_queue_for_voicemail"}
_CONCERN_RAISED = {"callback_requested", "voicemail_left", "concern_raised"}


def generate(days: int, *, seed: int = 0, calls: float = 15, until: dt.datetime = UNTIL) -> list[dict[str, Any]]:
    batches = demo_events(DEPLOYMENT, PSEUDONYMS, days=days, until=until, seed=seed, calls_per_weekday=calls)
    return [row for batch in batches for row in batch]


@pytest.fixture(scope="module")
def year() -> list[dict[str, Any]]:
    """A year at a small volume: enough calls for the patterns, quick to make."""
    return generate(365, calls=8)


def test_the_same_seed_gives_the_same_events_and_another_seed_others() -> None:
    first, again, other = generate(7, seed=3), generate(7, seed=3), generate(7, seed=4)
    assert first == again
    assert {row["event_id"] for row in first}.isdisjoint(row["event_id"] for row in other)


def test_a_shorter_span_is_part_of_a_longer_one_so_seeding_again_adds_nothing() -> None:
    week, fortnight = generate(7), generate(14)
    by_id = {row["event_id"]: row for row in fortnight}
    assert week and all(by_id[row["event_id"]] == row for row in week)


def test_every_event_passes_the_contact_logs_checks(year: list[dict[str, Any]]) -> None:
    for row in year:
        checked = contact_event_row(
            at=row["occurred_at"],
            channel=row["channel"],
            kind=row["kind"],
            region=row["region"],
            reference=row["reference"],
            duration_seconds=row["duration_seconds"],
            wait_seconds=row["wait_seconds"],
            detail=row["detail"],
            event_id=row["event_id"],
        )
        assert checked == row | {"caller_pseudonym": None}
        assert len(row["event_id"]) <= 64 and len(row["reference"]) <= 64
        assert row["caller_pseudonym"] is None or re.fullmatch(r"[0-9a-f]{64}", row["caller_pseudonym"])


def test_events_lie_in_the_span_and_ids_are_unique(year: list[dict[str, Any]]) -> None:
    since = UNTIL - dt.timedelta(days=365)
    assert all(since <= row["occurred_at"] < UNTIL for row in year)
    assert len({row["event_id"] for row in year}) == len(year)


def test_the_default_volume_is_about_a_hundred_thousand_events_a_year() -> None:
    contacts = DemoContacts(DEPLOYMENT, PSEUDONYMS, days=28, until=UNTIL)
    events = sum(len(batch) for batch in contacts.batches())
    assert 60_000 < events * 365 / 28 < 160_000
    assert contacts.calls > 0 and contacts.concerns > 0


def test_mondays_carry_more_calls_than_fridays(year: list[dict[str, Any]]) -> None:
    weekdays = Counter(_local(row).weekday() for row in year if row["kind"] == "call_received")
    assert weekdays[0] > 1.4 * weekdays[4]
    assert weekdays[4] > 3 * (weekdays[5] + weekdays[6])


def test_the_first_working_days_of_a_month_carry_more_calls_than_the_middle(year: list[dict[str, Any]]) -> None:
    region = DEPLOYMENT.regions[0]
    calls = Counter(_local(row).date() for row in year if row["kind"] == "call_received" and row["region"] == region.id)
    first, middle = [], []
    for day in sorted({day.replace(day=1) for day in calls}):
        following = (day + dt.timedelta(days=32)).replace(day=1)
        month = [day + dt.timedelta(days=n) for n in range((following - day).days)]
        working = [d for d in month if is_working_day(d, region, DEPLOYMENT) and d.weekday() in (1, 2, 3)]
        first += [calls[d] for d in working[:2] if month_factor(d, _working(month, region)) > 1.2]
        middle += [calls[d] for d in working if 10 <= d.day <= 20]
    assert sum(first) / len(first) > 1.3 * sum(middle) / len(middle)


def test_calls_peak_in_the_morning(year: list[dict[str, Any]]) -> None:
    hours = Counter(_local(row).hour for row in year if row["kind"] == "call_received")
    assert hours[9] > hours[14] > hours[20] > hours[3]


def test_a_plausible_share_of_calls_reaches_the_closed_line(year: list[dict[str, Any]]) -> None:
    kinds = Counter(row["kind"] for row in year)
    assert 0.2 <= kinds["closed_line"] / kinds["call_received"] <= 0.35
    assert kinds["counsellor_available"] == kinds["counsellor_unavailable"] > 0


def test_waits_grow_with_load_and_patience_runs_out(year: list[dict[str, Any]]) -> None:
    calls = _calls(year)
    answered = [c["answered"]["wait_seconds"] for c in calls.values() if "answered" in c]
    abandoned = [c["abandoned"]["wait_seconds"] for c in calls.values() if "abandoned" in c]
    queued = sum(1 for c in calls.values() if "queued" in c)
    assert 0.05 < len(abandoned) / queued < 0.35
    assert any(wait < 5 for wait in abandoned), "some callers hang up within seconds"
    assert 5 < sum(answered) / len(answered) < 120
    handling = [
        _seconds(c["answered"], c["call_completed"])
        for c in calls.values()
        if "call_completed" in c and "answered" in c
    ]
    mean = sum(handling) / len(handling)
    assert 4 * 60 <= mean <= 6 * 60


def test_redials_come_from_the_same_caller_within_minutes(year: list[dict[str, Any]]) -> None:
    arrivals = sorted(
        (row["caller_pseudonym"], row["occurred_at"])
        for row in year
        if row["kind"] == "call_received" and row["caller_pseudonym"]
    )
    gaps = [b[1] - a[1] for a, b in itertools.pairwise(arrivals) if a[0] == b[0]]
    quick = [gap for gap in gaps if gap <= dt.timedelta(minutes=32)]
    assert len(quick) > 0.05 * len(arrivals)
    # A redial waits at least two minutes; two unrelated calls of one customer seldom come closer.
    assert sum(gap >= dt.timedelta(minutes=2) for gap in quick) > 0.95 * len(quick)


def test_every_concern_is_settled_mostly_within_its_promise(year: list[dict[str, Any]]) -> None:
    raised = {row["reference"]: row for row in year if row["kind"] in _CONCERN_RAISED}
    settled = {row["reference"]: row for row in year if row["kind"] == "concern_settled"}
    assert set(settled) <= set(raised)
    early = [r for r in raised.values() if r["occurred_at"] < UNTIL - dt.timedelta(days=7)]
    assert all(r["reference"] in settled for r in early)
    for reference, row in settled.items():
        assert row["duration_seconds"] == _seconds(raised[reference], row) > 0
    within = sum(row["detail"]["within_promise"] for row in settled.values()) / len(settled)
    assert 0.8 < within < 0.95
    channels = Counter(row["channel"] for row in raised.values())
    assert channels["walk_in"] and channels["web_form"] and channels["callback"] and channels["voicemail"]


def test_counselling_bookings_are_held_missed_or_cancelled(year: list[dict[str, Any]]) -> None:
    by_booking: dict[str, list[str]] = defaultdict(list)
    for row in sorted(year, key=lambda r: r["occurred_at"]):
        if row["reference"].startswith("counselling:"):
            by_booking[row["reference"]].append(row["kind"])
    assert by_booking
    ends = Counter(kinds[-1] for kinds in by_booking.values() if len(kinds) > 1)
    assert all(kinds[0] == "counselling_booked" for kinds in by_booking.values())
    assert ends["counselling_held"] > ends["counselling_no_show"] > 0


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32), days=st.integers(1, 10), calls=st.floats(0, 60))
def test_every_call_follows_the_contact_logs_order(seed: int, days: int, calls: float) -> None:
    for sid, steps in _calls(generate(days, seed=seed, calls=calls)).items():
        kinds = list(steps)
        assert _CALL_SID.fullmatch(sid)
        if kinds[0] != "call_received":
            continue  # begun before the span: not logged (and never so by the generator)
        ended = kinds[-1] in ("call_completed", "call_failed")
        assert ended or steps[kinds[-1]]["occurred_at"] > UNTIL - dt.timedelta(hours=2)
        assert ("queued" in steps) != ("closed_line" in steps) or len(kinds) <= 2
        if "queued" in steps:
            outcomes = _QUEUE_OUTCOMES & set(kinds)
            assert len(outcomes) <= 1 and (outcomes or not ended)
            for outcome in outcomes:
                assert steps[outcome]["wait_seconds"] == _seconds(steps["queued"], steps[outcome])
        if "closed_line" in steps and ended:
            assert "closed_menu_choice" in steps and kinds.index("closed_line") < kinds.index("closed_menu_choice")
        if ended:
            assert steps[kinds[-1]]["duration_seconds"] == _seconds(steps["call_received"], steps[kinds[-1]])


def test_poisson_counts_have_their_mean() -> None:
    import random

    rng = random.Random(1)
    for mean in (0.5, 8.0, 400.0):
        draws = [poisson(rng, mean) for _ in range(4000)]
        assert abs(sum(draws) / len(draws) - mean) < 0.05 * mean + 0.05


def test_a_span_outside_the_limits_is_refused() -> None:
    with pytest.raises(ValueError, match="days must be from 1"):
        DemoContacts(DEPLOYMENT, PSEUDONYMS, days=0, until=UNTIL)
    with pytest.raises(ValueError, match="calls_per_weekday must not be negative"):
        DemoContacts(DEPLOYMENT, PSEUDONYMS, days=1, until=UNTIL, calls_per_weekday=-1)
    with pytest.raises(ValueError, match="aware"):
        DemoContacts(DEPLOYMENT, PSEUDONYMS, days=1, until=dt.datetime(2026, 1, 1))


def _local(row: dict[str, Any]) -> dt.datetime:
    moment: dt.datetime = row["occurred_at"]
    return moment.astimezone(DEPLOYMENT.zone)


def _working(month: list[dt.date], region: Any) -> list[dt.date]:
    return [d for d in month if is_working_day(d, region, DEPLOYMENT)]


def _seconds(start: dict[str, Any], end: dict[str, Any]) -> int:
    return int((end["occurred_at"] - start["occurred_at"]).total_seconds())


def _calls(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Each call's steps by kind, in the order they happened."""
    calls: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in sorted(rows, key=lambda r: (r["occurred_at"], r["event_id"])):
        if row["channel"] == "phone" and row["reference"].startswith("CA"):
            calls[row["reference"]][row["kind"]] = row
    return calls
