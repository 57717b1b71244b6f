"""The period a planner looks at: whole local days, as UTC bounds for the roll-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MAX_DAYS = 2 * 366
DEFAULT_DAYS = 84  # twelve weeks: every weekday twelve times, a season's pattern


class PeriodError(ValueError):
    """A period that cannot be shown; the message is German, for the page."""


@dataclass(frozen=True, slots=True)
class Period:
    first: dt.date
    last: dt.date  # inclusive
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def weeks(self) -> float:
        return self.days / 7

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), self.zone).astimezone(dt.UTC)

    @property
    def until(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), self.zone).astimezone(dt.UTC)

    def weekday_counts(self) -> tuple[int, ...]:
        """How often each weekday (Monday first) occurs in the period."""
        full, rest = divmod(self.days, 7)
        counts = [full] * 7
        for offset in range(rest):
            counts[(self.first.weekday() + offset) % 7] += 1
        return tuple(counts)


def period_of(first: str | None, last: str | None, *, today: dt.date, zone: ZoneInfo) -> Period:
    """From the form's ISO dates; without them the twelve weeks up to yesterday."""
    end = _date(last, "Bis") if last else today - dt.timedelta(days=1)
    start = _date(first, "Von") if first else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise PeriodError("Der Zeitraum endet vor seinem Beginn.")
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError(f"Der Zeitraum ist länger als {MAX_DAYS} Tage.")
    return Period(start, end, zone)


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{field}: bitte ein Datum wie 2026-03-31 angeben.") from None
