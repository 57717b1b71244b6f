"""The formatting module as Jinja filters: templates format in the page's language and the
deployment's zone without repeating either."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import jinja2

from formatting import figures, locales, moments, opening_hours, phone_numbers
from storage.clock import Clock


def install_formats(env: jinja2.Environment, zone: dt.tzinfo, clock: Clock) -> None:
    """`{{ concern.due_at | moment }}`, `{{ share | percent }}`, `{{ number | phone }}`, …"""

    def in_language(format_: Callable[..., str]) -> Callable[..., str]:
        @jinja2.pass_context
        def apply(context: Any, value: Any, *args: Any) -> str:
            return format_(value, context.get("lang", "de"), *args)

        return apply

    env.filters.update(
        {
            "day": in_language(lambda v, lang: moments.day(_local_date(v, zone), lang)),
            "day_short": in_language(lambda v, lang: moments.day_short(_local_date(v, zone), lang)),
            "weekday": in_language(lambda v, lang: moments.weekday(_local_date(v, zone), lang)),
            "weekday_and_day": in_language(lambda v, lang: moments.weekday_and_day(_local_date(v, zone), lang)),
            "time": in_language(lambda v, lang: moments.time(v, zone, lang)),
            "moment": in_language(lambda v, lang: moments.moment(v, zone, lang)),
            "age": in_language(lambda v, lang: moments.age(v, clock(), lang)),
            "ago": in_language(lambda v, lang: moments.ago(v, clock(), lang)),
            "number": in_language(lambda v, lang, digits=0: figures.number(v, lang, digits)),
            "percent": in_language(lambda v, lang, digits=1: figures.percent(v, lang, digits)),
            "weekday_name": in_language(lambda v, lang, width="wide": moments.weekday_names(lang, width)[v]),
            "language_name": in_language(lambda v, lang: locales.language_name(v, lang)),
            "hours_of_day": in_language(lambda v, lang: opening_hours.day_hours(v, lang) or ""),
            "weekly_hours": in_language(lambda v, lang: opening_hours.weekly_hours(v.local_times(), lang) or ""),
            "phone": phone_numbers.national,
            "tel": phone_numbers.tel_uri,
            "masked": phone_numbers.masked,
        }
    )


def _local_date(value: dt.date, zone: dt.tzinfo) -> dt.date:
    """A moment's date where the deployment is; a plain date as it is."""
    return value.astimezone(zone).date() if isinstance(value, dt.datetime) else value
