"""The identifiers of the concern queue, one rule each: the reference customers are told, the
form id that makes a form sent twice raise one concern, and the source key that remembers a
delivery.

Pages, the API and the intake all ask these functions; none keeps a pattern of its own.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

# No 0/O and 1/I: a reference is read out on the phone and copied from paper.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_REFERENCE_CHAR = f"[{REFERENCE_ALPHABET}]"
_REFERENCE = re.compile(f"{_REFERENCE_CHAR}{{4}}-{_REFERENCE_CHAR}{{4}}")

# At least 16 characters: a guessed form id would find the concern its form raised. At most 64,
# so that the longest prefix still fits a source key.
FORM_ID_LENGTH = (16, 64)
_FORM_ID = re.compile(rf"[A-Za-z0-9_-]{{{FORM_ID_LENGTH[0]},{FORM_ID_LENGTH[1]}}}")
SOURCE_KEY_LENGTH = 80  # concerns.source_key and concern_sources.source_key are String(80)
MAX_SOURCE_PREFIX = SOURCE_KEY_LENGTH - FORM_ID_LENGTH[1]


def new_reference(pick: Callable[[str], str] = secrets.choice) -> str:
    """A reference such as "K7PX-3QF9": short enough to read out, too many to guess (32^8).
    `pick` chooses one character of the alphabet; tests hand in a seeded one."""
    chars = "".join(pick(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def is_reference(text: str) -> bool:
    """True if `text` is shaped like a reference `new_reference` could have issued."""
    return _REFERENCE.fullmatch(text) is not None


def new_form_id() -> str:
    """A fresh id for one rendered form (24 characters): sending that form twice raises one concern."""
    return secrets.token_urlsafe(18)


def is_form_id(text: str) -> bool:
    """True if `text` is a form id (or an API request id, which follows the same rule)."""
    return _FORM_ID.fullmatch(text) is not None


def source_key(prefix: str, form_id: str) -> str:
    """The key under which a form's delivery is remembered, e.g. "desk:<form id>"."""
    if len(prefix) > MAX_SOURCE_PREFIX or not is_form_id(form_id):
        raise ValueError(f"no source key from {prefix!r} and that form id")
    return f"{prefix}{form_id}"
