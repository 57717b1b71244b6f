"""The prompt catalogues: what callers hear, per language, with the voice that speaks it.

Texts live in `telephony/prompts/<language>.toml`, not in code. A text missing in a language is
spoken in German instead, and `missing_translations` lists the gaps for `hotline config check`.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).parent / "prompts"
FALLBACK = "de"
STAFF_ONLY = "staff_"  # prompts only staff hear (German, English); no gap to report elsewhere


@dataclass(frozen=True, slots=True)
class Spoken:
    """One thing to say: the text and the <Say> attributes of its language."""

    text: str
    language: str
    voice: str


@dataclass(frozen=True, slots=True)
class Catalogue:
    code: str
    language: str  # Twilio's language tag, e.g. "de-DE"
    voice: str
    texts: Mapping[str, str]
    weekdays: tuple[str, ...]
    months: tuple[str, ...]
    date_pattern: str


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
        """The prompt `key` in `language` (German where that language lacks it), filled in."""
        catalogue = self.catalogue(language)
        template = catalogue.texts.get(key)
        if template is None:
            catalogue = self._catalogues[FALLBACK]
            template = catalogue.texts[key]  # a key unknown even in German is a programming error
        return Spoken(template.format(**values), catalogue.language, catalogue.voice)

    def spoken_date(self, language: str, moment: dt.datetime) -> dict[str, str]:
        """Weekday, date and time of a local moment as words of `language`, for the placeholders."""
        catalogue = self.catalogue(language)
        day = catalogue.date_pattern.format(day=moment.day, month=catalogue.months[moment.month - 1])
        return {
            "weekday": catalogue.weekdays[moment.weekday()],
            "date": day,
            "time": f"{moment.hour}:{moment.minute:02d}",
        }

    def spoken_deadline(self, language: str, moment: dt.datetime) -> dict[str, str]:
        """Like `spoken_date`, but a deadline at midnight is the end of the day before ("24:00"):
        "by Tuesday 24:00" is what a caller understands, not "by Wednesday 0:00"."""
        if (moment.hour, moment.minute) == (0, 0):
            words = self.spoken_date(language, moment - dt.timedelta(days=1))
            return words | {"time": "24:00"}
        return self.spoken_date(language, moment)

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
    dates = raw.get("dates", {})
    return Catalogue(
        code=path.stem,
        language=str(raw["language"]),
        voice=str(raw["voice"]),
        texts={str(k): str(v) for k, v in raw.get("prompts", {}).items()},
        weekdays=tuple(raw.get("weekdays", {}).get("names", ())),
        months=tuple(dates.get("months", ())),
        date_pattern=str(dates.get("date", "{day}.{month}")),
    )
