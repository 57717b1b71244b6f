"""The formatting module: each language's own conventions, from CLDR."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatting import figures, locales, moments, opening_hours, phone_numbers

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


def test_how_long_ago_reads_with_the_languages_word_for_ago() -> None:
    three_hours_before = FRIDAY_NOON - dt.timedelta(hours=3)
    assert moments.ago(three_hours_before, FRIDAY_NOON, "de") == "vor 3 Std."
    assert moments.ago(three_hours_before, FRIDAY_NOON, "en") == "3 hr ago"
    assert moments.ago(FRIDAY_NOON - dt.timedelta(days=2), FRIDAY_NOON, "tr") == "2 gün önce"


def test_language_names_are_in_the_readers_language() -> None:
    assert locales.language_name("tr", "de") == "Türkisch"
    assert locales.language_name("uk", "en") == "Ukrainian"
    assert locales.language_name("xx", "de") == "xx"


def test_arabic_is_written_right_to_left_and_the_others_left_to_right() -> None:
    assert locales.direction("ar") == "rtl"
    assert [locales.direction(code) for code in ("de", "en", "tr", "uk", "ru")] == ["ltr"] * 5


def test_phone_numbers_read_nationally_and_link_as_tel() -> None:
    assert phone_numbers.national("+491712223334") == "0171 2223334"
    assert phone_numbers.tel_uri("+491712223334") == "tel:+49-171-2223334"
    assert phone_numbers.masked("+491712223334") == "•••• ••••334"


@given(st.from_regex(r"\+49(15|16|17)[0-9]{8,9}", fullmatch=True))
def test_a_mask_shows_exactly_the_last_three_digits(e164: str) -> None:
    masked = phone_numbers.masked(e164)
    assert [c for c in masked if c.isdigit()] == list(e164[-3:])
    assert masked.count("•") == sum(c.isdigit() for c in phone_numbers.national(e164)) - 3


T = dt.time
SIEGBURG_HOTLINE = [
    [(T(8), T(12)), (T(13), T(15))],
    [(T(8), T(12)), (T(13), T(15))],
    [(T(8), T(12))],
    [(T(8), T(12)), (T(13), T(18))],
    [(T(8), T(12))],
    [],
    [],
]


@pytest.mark.parametrize(
    ("language", "summary"),
    [
        (
            "de",
            "Montag und Dienstag von 8 bis 12 und von 13 bis 15 Uhr; Mittwoch und Freitag von 8 bis 12 Uhr; "
            "Donnerstag von 8 bis 12 und von 13 bis 18 Uhr",
        ),
        (
            "en",
            "Monday and Tuesday from 8 am to 12 noon and from 1 pm to 3 pm; Wednesday and Friday from 8 am to 12 noon; "
            "Thursday from 8 am to 12 noon and from 1 pm to 6 pm",
        ),
        (
            "tr",
            "Pazartesi ve Salı saat 8:00 ile 12:00 arası ve 13:00 ile 15:00 arası; Çarşamba ve Cuma saat 8:00 ile "
            "12:00 arası; Perşembe saat 8:00 ile 12:00 arası ve 13:00 ile 18:00 arası",
        ),
        (
            "ru",
            "понедельник и вторник с 8:00 до 12:00 и с 13:00 до 15:00; среда и пятница с 8:00 до 12:00; "
            "четверг с 8:00 до 12:00 и с 13:00 до 18:00",
        ),
    ],
)
def test_weekly_hours_name_days_with_the_same_hours_together(language: str, summary: str) -> None:
    assert opening_hours.weekly_hours(SIEGBURG_HOTLINE, language) == summary


@pytest.mark.parametrize("language", ["uk", "ar"])
def test_weekly_hours_are_said_in_every_language_of_the_catalogue(language: str) -> None:
    summary = opening_hours.weekly_hours(SIEGBURG_HOTLINE, language)
    assert summary is not None
    assert moments.weekday(dt.date(2026, 12, 3), language) in summary  # Thursday, its own group
    assert "13:00" in summary and "18:00" in summary


def test_three_days_in_a_row_are_a_run_and_midnight_ends_the_day() -> None:
    week: list[list[tuple[dt.time, dt.time]]] = [[(T(8), T(12, 30))]] * 5 + [[], [(T(9), T(0))]]
    assert opening_hours.weekly_hours(week, "de") == "Montag bis Freitag von 8 bis 12:30 Uhr; Sonntag von 9 bis 24 Uhr"
    assert opening_hours.weekly_hours(week, "en") == (
        "Monday to Friday from 8 am to 12:30 pm; Sunday from 9 am to midnight"
    )
    # Russian would need case endings for a run ("с понедельника по пятницу"): it lists the days
    assert opening_hours.weekly_hours(week, "ru") == (
        "понедельник, вторник, среда, четверг и пятница с 8:00 до 12:30; воскресенье с 9:00 до 24:00"
    )


def test_a_week_without_hours_has_no_summary_and_a_week_has_seven_days() -> None:
    assert opening_hours.weekly_hours([[]] * 7, "de") is None
    with pytest.raises(ValueError, match="seven"):
        opening_hours.weekly_hours([[]] * 5, "de")


@pytest.mark.parametrize(
    ("at", "language", "spoken"),
    [
        (T(8), "de", "8 Uhr"),
        (T(12, 30), "de", "12:30 Uhr"),
        (T(13), "en", "1 pm"),
        (T(12), "en", "12 noon"),
        (T(8, 5), "tr", "8:05"),
        (T(17), "xx", "17 Uhr"),  # a language without its own phrasing is German
    ],
)
def test_clock_times_are_said_as_people_say_them(at: dt.time, language: str, spoken: str) -> None:
    assert opening_hours.clock_time(at, language) == spoken


def test_a_deadline_at_midnight_is_the_end_of_the_day() -> None:
    assert opening_hours.clock_time(T(0), "de", end_of_day=True) == "24 Uhr"
    assert opening_hours.clock_time(T(0), "de") == "0 Uhr"


def test_one_days_hours_read_without_the_day() -> None:
    day_hours = opening_hours.day_hours
    morning_and_afternoon = [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(15))]
    assert day_hours(morning_and_afternoon, "de") == "von 8 bis 12 und von 13 bis 15 Uhr"
    assert day_hours(morning_and_afternoon, "en") == "from 8 am to 12 noon and from 1 pm to 3 pm"
    assert day_hours([(dt.time(8), dt.time(11))], "tr") == "saat 8:00 ile 11:00 arası"
    assert day_hours([], "de") is None


def test_weekday_names_come_in_the_readers_language_monday_first() -> None:
    assert moments.weekday_names("de")[0] == "Montag"
    assert moments.weekday_names("en", "abbreviated")[6] == "Sun"
