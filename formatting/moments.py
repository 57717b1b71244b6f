"""Dates and times as people read and hear them, per language (CLDR via Babel).

Every function takes an aware moment and the zone to show it in: times are stored in UTC and
shown in the deployment's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from babel import dates

from formatting.locales import locale_of


def _local(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no time zone: pass an aware datetime")
    return moment.astimezone(zone)


def day(moment: dt.date, language: str) -> str:
    """The date in full words, with the year: "4. Dezember 2026", "4 December 2026"."""
    return dates.format_date(moment, "long", locale=locale_of(language))


def day_short(moment: dt.date, language: str) -> str:
    """The date for tables and lists: "04.12.2026", "4 Dec 2026"."""
    return dates.format_date(moment, "medium", locale=locale_of(language))


def weekday(moment: dt.date, language: str) -> str:
    """The weekday's name: "Freitag", "Friday", "Cuma"."""
    return dates.format_date(moment, "EEEE", locale=locale_of(language))


def weekday_names(language: str, width: str = "wide") -> list[str]:
    """The seven weekday names, Monday first: "wide" ("Montag") or "abbreviated" ("Mo.", "Mon")."""
    names = locale_of(language).days["format"][width]
    return [str(names[index]) for index in range(7)]


def day_of_month(moment: dt.date, language: str) -> str:
    """Day and month without the year or weekday: "4. Dezember", "4 December"."""
    return dates.format_skeleton("MMMMd", moment, locale=locale_of(language))


def weekday_and_day(moment: dt.date, language: str) -> str:
    """The full date as the language writes it, e.g. "Freitag, 4. Dezember 2026"."""
    return dates.format_date(moment, "full", locale=locale_of(language))


def time(moment: dt.datetime, zone: dt.tzinfo, language: str) -> str:
    """The wall-clock time: "12:00" (hours and minutes, the language's notation)."""
    return dates.format_time(_local(moment, zone), "short", locale=locale_of(language))


def moment(moment: dt.datetime, zone: dt.tzinfo, language: str) -> str:
    """Date and time for pages: "04.12.2026, 12:00", "4 Dec 2026, 12:00"."""
    local = _local(moment, zone)
    pattern = str(locale_of(language).datetime_formats["medium"])  # "{1}, {0}": date, then time
    return pattern.replace("{1}", day_short(local.date(), language)).replace("{0}", time(local, zone, language))


def relative_day(moment: dt.date, today: dt.date, language: str) -> str | None:
    """The word for a day near `today` ("heute", "morgen", "übermorgen", as far as the language has one), else None."""
    words = cast("dict[int, str]", locale_of(language)._data["date_fields"]["day"]["relative"])
    return words.get((moment - today).days)


def age(since: dt.datetime, now: dt.datetime, language: str) -> str:
    """How long ago, short: "3 Std.", "2 Tg.", "5 Min."."""
    return dates.format_timedelta(now - since, format="short", locale=locale_of(language), threshold=1.5)


def ago(since: dt.datetime, now: dt.datetime, language: str) -> str:
    """How long ago, short, with the language's word for "ago": "vor 3 Std.", "3 hr. ago"."""
    return dates.format_timedelta(
        since - now, format="short", add_direction=True, locale=locale_of(language), threshold=1.5
    )


def timestamp(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """For machines and the command line: local time with offset, to the second (ISO 8601)."""
    return _local(moment, zone).replace(microsecond=0).isoformat()
