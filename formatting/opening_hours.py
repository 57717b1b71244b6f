"""Weekly hours and times of day as people say and write them, per language.

"Montag und Dienstag von 8 bis 12 und von 13 bis 15 Uhr; Mittwoch von 8 bis 12 Uhr": days with
the same hours are named together, the clock is read the way the language reads it ("8 Uhr",
"8 am", "8:00"). Callers hear it on the phone, customers read it on the desk receipt. The input
is plain data (per weekday a list of (start, end) local times), so any package can use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from babel.lists import format_list

from formatting.locales import FALLBACK, locale_of

Ranges = Sequence[tuple[dt.time, dt.time]]
MIDNIGHT = dt.time(0, 0)

ClockStyle = Literal["bare", "twelve_hour", "hours_minutes"]


@dataclass(frozen=True, slots=True)
class _Phrasing:
    """How one language strings days, ranges and times together."""

    clock: ClockStyle
    span: str  # one range: "von {start} bis {end}"
    lead: str = ""  # before the ranges of a group: Turkish "saat "
    unit: str = ""  # once after the ranges of a group (and after a lone time): German " Uhr"
    run: str | None = None  # three or more days in a row, where the language needs no case ending for it
    groups: str = "; "  # between groups of days


# Russian, Ukrainian and Turkish name a run of days with case endings ("с понедельника по
# пятницу", "Pazartesi'den Cuma'ya") that CLDR does not give, so those languages list the days.
_PHRASINGS: dict[str, _Phrasing] = {
    "de": _Phrasing(clock="bare", span="von {start} bis {end}", unit=" Uhr", run="{first} bis {last}"),
    "en": _Phrasing(clock="twelve_hour", span="from {start} to {end}", run="{first} to {last}"),
    "tr": _Phrasing(clock="hours_minutes", span="{start} ile {end} arası", lead="saat "),
    "ar": _Phrasing(clock="hours_minutes", span="من {start} إلى {end}", groups="؛ "),
    "uk": _Phrasing(clock="hours_minutes", span="з {start} до {end}"),
    "ru": _Phrasing(clock="hours_minutes", span="с {start} до {end}"),
}


def _phrasing(language: str) -> _Phrasing:
    return _PHRASINGS.get(language) or _PHRASINGS[FALLBACK]


def _clock(at: dt.time, style: ClockStyle, *, end: bool) -> str:
    """A time of day without its unit; midnight as an end is the day's end ("24", "midnight")."""
    day_end = end and at == MIDNIGHT
    if style == "twelve_hour":
        if day_end or at == MIDNIGHT:
            return "midnight"
        if at == dt.time(12, 0):
            return "12 noon"
        hour = at.hour % 12 or 12
        suffix = "am" if at.hour < 12 else "pm"
        return f"{hour} {suffix}" if at.minute == 0 else f"{hour}:{at.minute:02d} {suffix}"
    hour = 24 if day_end else at.hour
    if style == "bare" and at.minute == 0:
        return str(hour)
    return f"{hour}:{at.minute:02d}"


def clock_time(at: dt.time, language: str, *, end_of_day: bool = False) -> str:
    """A time of day as it is said: "8 Uhr", "12:30 Uhr", "8 am", "12 noon", "8:00". With
    `end_of_day`, midnight is the end of the day before ("24 Uhr"), as a deadline is heard."""
    phrasing = _phrasing(language)
    return _clock(at, phrasing.clock, end=end_of_day) + phrasing.unit


def _days(indices: Sequence[int], language: str, phrasing: _Phrasing) -> str:
    names = locale_of(language).days["format"]["wide"]  # 0 = Monday, as datetime counts
    runs: list[list[int]] = []
    for index in indices:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    words: list[str] = []
    for run in runs:
        if phrasing.run is not None and len(run) >= 3:
            words.append(phrasing.run.format(first=names[run[0]], last=names[run[-1]]))
        else:
            words.extend(names[index] for index in run)
    return format_list(words, locale=locale_of(language))


def weekly_hours(days: Sequence[Ranges], language: str) -> str | None:
    """The week's hours in one sentence part, days with the same hours together, in weekday
    order of their first day; None when there are no hours at all.

    `days` holds seven lists, Monday first, of (start, end) local times; an end of 00:00 is
    midnight at the end of that day.
    """
    if len(days) != 7:
        raise ValueError(f"a week has seven days, not {len(days)}")
    phrasing = _phrasing(language)
    groups: dict[tuple[tuple[dt.time, dt.time], ...], list[int]] = {}
    for index, ranges in enumerate(days):
        if ranges:
            groups.setdefault(tuple(ranges), []).append(index)
    if not groups:
        return None
    parts = []
    for ranges, indices in groups.items():
        spans = [
            phrasing.span.format(
                start=_clock(start, phrasing.clock, end=False), end=_clock(end, phrasing.clock, end=True)
            )
            for start, end in ranges
        ]
        spoken = format_list(spans, locale=locale_of(language))
        parts.append(f"{_days(indices, language, phrasing)} {phrasing.lead}{spoken}{phrasing.unit}")
    return phrasing.groups.join(parts)


def day_hours(ranges: Ranges, language: str) -> str | None:
    """One day's hours without the day: "von 8 bis 12 und von 13 bis 15 Uhr", "from 8 am to 12 noon";
    None when there are none. An end of 00:00 is midnight at the end of the day."""
    if not ranges:
        return None
    phrasing = _phrasing(language)
    spans = [
        phrasing.span.format(start=_clock(start, phrasing.clock, end=False), end=_clock(end, phrasing.clock, end=True))
        for start, end in ranges
    ]
    return f"{phrasing.lead}{format_list(spans, locale=locale_of(language))}{phrasing.unit}"
