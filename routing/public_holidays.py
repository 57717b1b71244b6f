"""Public holidays by date, from the `holidays` package, cached per calendar and year."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def holiday_names(country: str, subdivision: str | None, year: int) -> dict[dt.date, str]:
    """The public holidays of one year: date → name, in German where the calendar has it."""
    languages = holidays.country_holidays(country, subdiv=subdivision, years=()).supported_languages
    language = "de" if "de" in languages else None
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year, language=language)
    return dict(calendar.items())


def holiday_name(country: str, subdivision: str | None, day: dt.date) -> str | None:
    """The name of the public holiday on `day`, or None on an ordinary day."""
    return holiday_names(country, subdivision, day.year).get(day)
