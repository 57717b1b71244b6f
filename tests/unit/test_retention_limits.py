"""Where retention cuts: calendar months and years back, and the first quarter hour of roll-ups
that a shortened contact log can still count exactly."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from audit.retention import years_before
from contacts.retention import months_before
from planning.counting import QUARTER
from planning.rollups import final_before

moments = st.datetimes(min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda m: m.replace(tzinfo=dt.UTC)
)


def test_months_back_end_on_the_last_day_of_a_shorter_month_and_on_the_hour() -> None:
    assert months_before(dt.datetime(2029, 6, 15, 10, 42, 7, tzinfo=dt.UTC), 24) == dt.datetime(
        2027, 6, 15, 10, 0, tzinfo=dt.UTC
    )
    assert months_before(dt.datetime(2028, 3, 31, 9, 0, tzinfo=dt.UTC), 1) == dt.datetime(
        2028, 2, 29, 9, 0, tzinfo=dt.UTC
    )
    assert months_before(dt.datetime(2029, 1, 31, 9, 0, tzinfo=dt.UTC), 13) == dt.datetime(
        2027, 12, 31, 9, 0, tzinfo=dt.UTC
    )


@given(moments, st.integers(min_value=1, max_value=120))
def test_months_back_are_that_many_calendar_months_and_never_later(moment: dt.datetime, months: int) -> None:
    cut = months_before(moment, months)
    assert (moment.year * 12 + moment.month) - (cut.year * 12 + cut.month) == months
    assert cut.day <= moment.day and (cut.minute, cut.second, cut.microsecond) == (0, 0, 0)
    assert cut < moment


@given(moments, st.integers(min_value=1, max_value=30))
def test_years_back_keep_the_day_but_the_29th_of_february(moment: dt.datetime, years: int) -> None:
    cut = years_before(moment, years)
    assert cut.year == moment.year - years and cut.month == moment.month
    assert cut.day == moment.day or (moment.month, moment.day, cut.day) == (2, 29, 28)


@given(moments, st.integers(min_value=0, max_value=48 * 60))
def test_roll_ups_are_final_up_to_the_first_whole_quarter_hour_after_the_look_back(
    log_from: dt.datetime, lookback_minutes: int
) -> None:
    lookback = dt.timedelta(minutes=lookback_minutes)
    first = final_before(log_from, lookback)
    assert first >= log_from + lookback and first - (log_from + lookback) < QUARTER
    assert first.minute % 15 == 0 and (first.second, first.microsecond) == (0, 0)
