"""Numbers and percentages in each language's notation (CLDR via Babel)."""

from __future__ import annotations

from babel import numbers

from formatting.locales import locale_of


def number(value: float, language: str, digits: int = 0) -> str:
    """German "1.234,5", English "1,234.5": grouping and decimal mark of the language."""
    pattern = numbers.parse_pattern(locale_of(language).decimal_formats[None].pattern)
    pattern.frac_prec = (digits, digits)
    return str(pattern.apply(value, locale_of(language)))


def percent(share: float, language: str, digits: int = 1) -> str:
    """A share (0.873) as a percentage: "87,3 %" in German, "87.3%" in English, "%87,3" in Turkish."""
    pattern = numbers.parse_pattern(locale_of(language).percent_formats[None].pattern)
    pattern.frac_prec = (digits, digits)
    return str(pattern.apply(share, locale_of(language)))
