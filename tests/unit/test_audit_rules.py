"""Rules of the auditor's pages that hold for all inputs: page cursors survive their round trip,
every concern is judged exactly one way, and the search form refuses exactly the bad periods."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from audit import labels
from audit.call_log import Cursor
from audit.promise import judge, tally, week_of
from audit.search_form import MAX_DAYS, MESSAGES, read_search_form
from audit.verify import BREAK_KINDS
from callbacks.models import CONCERN_CHANNELS
from contacts.vocabulary import CONTACT_CHANNELS, CONTACT_KINDS

BERLIN = ZoneInfo("Europe/Berlin")
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.sampled_from([dt.UTC, BERLIN])
)
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


@given(moments, st.integers(min_value=1, max_value=2**62))
def test_a_page_cursor_reads_back_as_the_same_instant_and_id(at: dt.datetime, key: int) -> None:
    cursor = Cursor.parse(Cursor(at, key).token())
    assert cursor.occurred_at.timestamp() == at.timestamp() and cursor.id == key  # the same instant


@given(st.text(max_size=40))
def test_anything_but_a_cursor_token_is_refused_or_reads_as_an_aware_instant(token: str) -> None:
    try:
        cursor = Cursor.parse(token)
    except ValueError:
        return
    assert cursor.occurred_at.tzinfo is not None


@given(
    status=st.sampled_from(["open", "closed", "unreachable"]),
    created=moments,
    due_after=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=5)),
    closed_after=st.none() | st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=8)),
    now_after=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=10)),
)
def test_every_concern_is_kept_broken_for_one_reason_or_pending(
    status: str,
    created: dt.datetime,
    due_after: dt.timedelta,
    closed_after: dt.timedelta | None,
    now_after: dt.timedelta,
) -> None:
    due = created + due_after
    closed = created + closed_after if closed_after is not None and status != "open" else None
    concern = SimpleNamespace(
        reference="ABCD-EFGH",
        region="siegburg",
        channel="phone_callback",
        urgency="normal",
        status=status,
        created_at=created,
        due_at=due,
        closed_at=closed,
    )
    outcome = judge(concern, created + now_after)  # type: ignore[arg-type]
    assert outcome.pending == (status == "open" and created + now_after <= due)
    assert (outcome.reason == "late") == (status == "closed" and closed is not None and closed > due)
    assert (outcome.reason == "unreachable") == (status == "unreachable")
    assert (outcome.reason == "open") == (status == "open" and created + now_after > due)
    report = tally([outcome], since=created, until=created, zone=BERLIN)
    row = report.tallies["week"][0]
    assert row.kept + sum(row.reasons.values()) + row.pending == row.concerns == 1
    assert row.week == week_of(created, BERLIN) and row.week.weekday() == 0


@given(first=days, last=days)
def test_the_search_form_refuses_exactly_the_backward_and_too_long_periods(first: dt.date, last: dt.date) -> None:
    form = read_search_form(
        {"from": first.isoformat(), "to": last.isoformat()}, regions=frozenset(), today=last, zone=BERLIN
    )
    if first > last:
        assert form.problems == {"to": MESSAGES["backwards"]}
    elif (last - first).days + 1 > MAX_DAYS:
        assert form.problems == {"from": MESSAGES["too_long"]}
    else:
        assert form.problems == {} and form.query is not None
        assert form.query.since == dt.datetime.combine(first, dt.time(), BERLIN)
        assert form.query.until == dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), BERLIN)


def test_every_kind_and_channel_of_the_contact_log_has_a_title_to_search_by() -> None:
    assert set(CONTACT_KINDS) <= set(labels.KIND_TITLES)
    assert set(CONTACT_CHANNELS) <= set(labels.CHANNEL_TITLES)
    assert set(CONCERN_CHANNELS) <= set(labels.CONCERN_CHANNEL_TITLES)
    assert set(BREAK_KINDS) <= set(labels.BREAK_TITLES)
