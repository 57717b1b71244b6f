"""Which region owns a dialled number, whatever its notation."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import phonenumbers

from config.deployment import Region
from config.loader import normalise_number


class UnknownNumber(LookupError):
    """The dialled number belongs to no region of the deployment."""


def region_by_number(by_number: Mapping[str, Region], dialled_number: str) -> Region:
    """Look a number up in an E.164 → region map; raise `UnknownNumber` if no region owns it."""
    # Twilio hands over E.164, so the exact string almost always hits without parsing.
    region = by_number.get(dialled_number)
    if region is not None:
        return region
    e164 = _normalise(dialled_number)
    if e164 is None:
        raise UnknownNumber(f"{dialled_number!r} is not a valid phone number")
    region = by_number.get(e164)
    if region is None:
        raise UnknownNumber(f"no region owns the number {e164} (dialled as {dialled_number!r})")
    return region


@lru_cache(maxsize=1024)
def _normalise(text: str) -> str | None:
    return normalise_number(text)


# A German landline takes an SMS only as a computer voice calling back, which would ring the
# customer a second time: a reference goes by SMS only to numbers that are surely mobile.
# FIXED_LINE_OR_MOBILE (some countries cannot tell) gets none; the caller heard it twice.
_MOBILE = frozenset({phonenumbers.PhoneNumberType.MOBILE})


def takes_text_messages(e164: str) -> bool:
    """True for a mobile number; landlines, service numbers and anything unclear get no SMS."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in _MOBILE
