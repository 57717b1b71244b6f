"""The formatting module: each language's own conventions, from CLDR."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatting import figures, locales, moments, phone_numbers

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_NOON = dt.datetime(2026, 12, 4, 11, 0, tzinfo=dt.UTC)  # 12:00 in Berlin


@pytest.mark.parametrize(
    ("language", "day", "short", "weekday", "percent"),
    [
        ("de", "4. Dezember 2026", "04.12.2026", "Freitag", "87,3\xa0%"),
        ("en", "4 December 2026", "4 Dec 2026", "Friday", "87.3%"),
        ("tr", "4 Aralık 2026", "4 Ara 2026", "Cuma", "%87,3"),
    ],
)
def test_each_language_writes_dates_and_shares_its_own_way(
    language: str, day: str, short: str, weekday: str, percent: str
) -> None:
    assert moments.day(FRIDAY_NOON.date(), language) == day
    assert moments.day_short(FRIDAY_NOON.date(), language) == short
    assert moments.weekday(FRIDAY_NOON.date(), language) == weekday
    assert figures.percent(0.873, language) == percent


def test_times_are_shown_in_the_deployments_zone() -> None:
    assert moments.time(FRIDAY_NOON, BERLIN, "de") == "12:00"
    assert moments.moment(FRIDAY_NOON, BERLIN, "de") == "04.12.2026, 12:00"
    assert moments.timestamp(FRIDAY_NOON.replace(microsecond=123456), BERLIN) == "2026-12-04T12:00:00+01:00"


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        moments.time(dt.datetime(2026, 12, 4, 12, 0), BERLIN, "de")


def test_the_german_board_reads_one_hundred_percent_with_a_comma() -> None:
    assert figures.percent(1.0, "de") == "100,0\xa0%"
    assert figures.number(1234.5, "de", 1) == "1.234,5"


def test_days_near_today_have_their_words() -> None:
    today = dt.date(2026, 12, 2)
    assert moments.relative_day(today, today, "de") == "heute"
    assert moments.relative_day(today + dt.timedelta(days=1), today, "tr") == "yarın"
    assert moments.relative_day(today + dt.timedelta(days=5), today, "de") is None


def test_language_names_are_in_the_readers_language() -> None:
    assert locales.language_name("tr", "de") == "Türkisch"
    assert locales.language_name("uk", "en") == "Ukrainian"
    assert locales.language_name("xx", "de") == "xx"


def test_phone_numbers_read_nationally_and_link_as_tel() -> None:
    assert phone_numbers.national("+491712223334") == "0171 2223334"
    assert phone_numbers.tel_uri("+491712223334") == "tel:+49-171-2223334"
    assert phone_numbers.masked("+491712223334") == "•••• ••••334"


@given(st.from_regex(r"\+49(15|16|17)[0-9]{8,9}", fullmatch=True))
def test_a_mask_shows_exactly_the_last_three_digits(e164: str) -> None:
    masked = phone_numbers.masked(e164)
    assert [c for c in masked if c.isdigit()] == list(e164[-3:])
    assert masked.count("•") == sum(c.isdigit() for c in phone_numbers.national(e164)) - 3
