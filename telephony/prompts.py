"""The prompt catalogues: what callers hear, per language, with the voice that speaks it.

Texts live in `telephony/prompts/<language>.toml`, not in code; days, dates and times in them
come from `formatting` (CLDR), so no catalogue keeps weekday or month names of its own. A text missing in a language is
spoken in German instead, and `missing_translations` lists the gaps for `hotline config check`.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

from formatting import moments, opening_hours

CATALOGUE_DIR = Path(__file__).parent / "prompts"
FALLBACK = "de"
STAFF_ONLY = "staff_"  # prompts only staff hear (German, English); no gap to report elsewhere


@dataclass(frozen=True, slots=True)
class Spelled:
    """Something read out in groups with a pause between them: a phone number ("0171 222 3334",
    digit by digit) or a reference ("K7PX 3QF9", character by character, slowly)."""

    groups: tuple[str, ...]
    interpret_as: str = "digits"  # SSML <say-as interpret-as>: "digits" or "spell-out"
    slow: bool = False
    prefix: str = ""  # said as a word before the groups, e.g. "+" of an international number

    def __str__(self) -> str:
        return " ".join((self.prefix, *self.groups) if self.prefix else self.groups)


Part = str | Spelled


@dataclass(frozen=True, slots=True)
class Spoken:
    """One thing to say: the text and the <Say> attributes of its language. `parts` holds the
    text with its spelled-out pieces (numbers, references) as such, for SSML; `text` is all of it
    as plain words, as an SMS or a transcript shows it."""

    text: str
    language: str
    voice: str
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalogue:
    code: str
    language: str  # Twilio's language tag, e.g. "de-DE"
    voice: str
    texts: Mapping[str, str]


# How far ahead a day is, which picks the variant of a prompt that names it: "heute ab 8 Uhr"
# (near: today or tomorrow), "am Montag ab 8 Uhr" (week: within six days), "am Montag, dem
# 14. Dezember, ab 8 Uhr" (far). A promise names the date unless it is today or tomorrow.
NEAR_DAYS = 1
WEEK_DAYS = 6


class PromptBook:
    """All catalogues; `say` never fails for a known key, falling back to German."""

    def __init__(self, catalogues: Mapping[str, Catalogue]) -> None:
        if FALLBACK not in catalogues:
            raise ValueError(f"the {FALLBACK!r} catalogue is required: it is the fallback for every language")
        self._catalogues = dict(catalogues)

    @classmethod
    def load(cls, directory: Path = CATALOGUE_DIR) -> PromptBook:
        return cls({path.stem: _read(path) for path in sorted(directory.glob("*.toml"))})

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._catalogues)

    def catalogue(self, language: str) -> Catalogue:
        return self._catalogues.get(language) or self._catalogues[FALLBACK]

    def say(self, language: str, key: str, **values: object) -> Spoken:
        """The prompt `key` in `language` (German where that language lacks it), filled in.
        `Spelled` values stay parts of their own, to be read out in groups."""
        catalogue = self.catalogue(language)
        template = catalogue.texts.get(key)
        if template is None:
            catalogue = self._catalogues[FALLBACK]
            template = catalogue.texts[key]  # a key unknown even in German is a programming error
        parts: list[Part] = []
        for literal, field, spec, _conversion in Formatter().parse(template):
            if literal:
                parts.append(literal)
            if field is None:
                continue
            value = values[field]
            if isinstance(value, Spelled):
                parts.append(value)
            else:
                parts.append(format(value, spec) if spec else str(value))
        merged = _merge_text(parts)
        plain = "".join(str(part) for part in merged)
        spelled = any(isinstance(part, Spelled) for part in merged)
        return Spoken(plain, catalogue.language, catalogue.voice, merged if spelled else ())

    def say_when(
        self,
        language: str,
        key: str,
        moment: dt.datetime,
        today: dt.date,
        *,
        promise: bool = False,
        **values: object,
    ) -> Spoken:
        """The prompt `key_near`, `key_week` or `key_far` for a local `moment`, as seen on the day
        `today`: {day} "heute"/"morgen", {weekday} "Montag", {date} "14. Dezember", {time} "8 Uhr".

        A `promise` (a due time) names the date unless it is today or tomorrow, and a promise at
        midnight is the end of the day before ("bis Dienstag, 24 Uhr", not "Mittwoch, 0 Uhr").
        """
        at = moment.time()
        day = moment.date()
        end_of_day = promise and (at.hour, at.minute) == (0, 0)
        if end_of_day:
            day -= dt.timedelta(days=1)
        ahead = (day - today).days
        words = {
            "weekday": moments.weekday(day, language),
            "date": moments.day_of_month(day, language),
            "time": opening_hours.clock_time(at, language, end_of_day=end_of_day),
            "day": moments.relative_day(day, today, language) or "",
        }
        if 0 <= ahead <= NEAR_DAYS and words["day"]:
            variant = "near"
        elif 0 <= ahead <= WEEK_DAYS and not promise:
            variant = "week"
        else:
            variant = "far"
        return self.say(language, f"{key}_{variant}", **(words | values))

    def deadline_words(self, language: str, moment: dt.datetime) -> dict[str, str]:
        """{weekday}, {date} and {time} of a local due time for a text message, which is read
        later, so it names the date, never "heute"; midnight is the end of the day before."""
        day, at = moment.date(), moment.time()
        end_of_day = (at.hour, at.minute) == (0, 0)
        if end_of_day:
            day -= dt.timedelta(days=1)
        return {
            "weekday": moments.weekday(day, language),
            "date": moments.day_of_month(day, language),
            "time": opening_hours.clock_time(at, language, end_of_day=end_of_day),
        }

    def missing_translations(self, languages: Iterable[str]) -> dict[str, list[str]]:
        """Per language asked for, the prompt keys it lacks (all of them without a catalogue)."""
        required = {key for key in self._catalogues[FALLBACK].texts if not key.startswith(STAFF_ONLY)}
        gaps: dict[str, list[str]] = {}
        for language in languages:
            catalogue = self._catalogues.get(language)
            missing = required - set(catalogue.texts) if catalogue else required
            if missing:
                gaps[language] = sorted(missing)
        return gaps


def _read(path: Path) -> Catalogue:
    raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    return Catalogue(
        code=path.stem,
        language=str(raw["language"]),
        voice=str(raw["voice"]),
        texts={str(k): str(v) for k, v in raw.get("prompts", {}).items()},
    )


def _merge_text(parts: list[Part]) -> tuple[Part, ...]:
    """Neighbouring texts as one (TwiML keeps one text between two SSML elements)."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return tuple(merged)
