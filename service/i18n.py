"""German first, English on request: page texts are written in German and looked up in English.

Each package with pages keeps `locale/en.toml` (German text = English text); a text without an
English entry is shown in German rather than not at all, and a unit test lists any gaps.
"""

from __future__ import annotations

import tomllib
from importlib import import_module
from pathlib import Path

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
LANGUAGE_COOKIE = "hotline_lang"


def load_catalogue(packages: tuple[str, ...]) -> dict[str, str]:
    """Merge the English catalogues of the given packages."""
    catalogue: dict[str, str] = {}
    for package in packages:
        source = Path(import_module(package).__file__ or "").parent / "locale" / "en.toml"
        if source.is_file():
            catalogue.update(tomllib.loads(source.read_text(encoding="utf-8")))
    return catalogue


class Translator:
    def __init__(self, english: dict[str, str]) -> None:
        self.english = english

    def __call__(self, text: str, language: str) -> str:
        if language == "en":
            return self.english.get(text, text)
        return text


def pick_language(query_value: str | None, cookie_value: str | None, accept_language: str | None) -> str:
    """Explicit choice first, then the remembered one, then the browser's wish; German otherwise."""
    for candidate in (query_value, cookie_value):
        if candidate in LANGUAGES:
            return candidate
    if accept_language:
        first = accept_language.split(",")[0].split(";")[0].strip().lower()
        if first.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE
