"""The wording of counselling's text messages, in German and English.

Customers who chose another language on the phone get German: the booking pages are German
and English, and a message in a third language would point to pages they cannot read either.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

MESSAGE_LANGUAGES = ("de", "en")


def message_language(language: str) -> str:
    return language if language in MESSAGE_LANGUAGES else MESSAGE_LANGUAGES[0]


@cache
def _catalogue(language: str) -> dict[str, str]:
    text = resources.files("video").joinpath("messages", f"{language}.toml").read_text(encoding="utf-8")
    return {key: str(value) for key, value in tomllib.loads(text).items()}


def text_message(language: str, key: str, **values: str) -> str:
    """The message `key` in `language` (or German), with its blanks filled."""
    return _catalogue(message_language(language))[key].format(**values)
