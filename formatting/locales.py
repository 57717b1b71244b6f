"""Which CLDR locale speaks for each language code of the deployment."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from babel import Locale, UnknownLocaleError

# The job centre is in Germany: English readers get British conventions (day before month,
# 24-hour clock), the other languages their own country's.
_REGIONAL = {"de": "de_DE", "en": "en_GB", "tr": "tr_TR", "uk": "uk_UA", "ru": "ru_RU", "ar": "ar"}
FALLBACK = "de"


@lru_cache(maxsize=64)
def locale_of(language: str) -> Locale:
    """The CLDR locale for an ISO 639-1 code; German for a code CLDR does not know."""
    try:
        return Locale.parse(_REGIONAL.get(language, language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(_REGIONAL[FALLBACK])


def language_name(code: str, in_language: str) -> str:
    """The name of language `code` in `in_language` ("tr" in German: "Türkisch"); the code itself
    where CLDR has no name for it."""
    name = locale_of(in_language).languages.get(code)
    return name[:1].upper() + name[1:] if name else code


def direction(language: str) -> Literal["ltr", "rtl"]:
    """Which way the language is written, for `dir` in HTML: "rtl" for Arabic, "ltr" for German."""
    return "rtl" if locale_of(language).character_order == "right-to-left" else "ltr"
