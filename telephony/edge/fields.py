"""Twilio's form fields as typed values; malformed input is rejected before anything happens."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeGuard

from aiohttp import web

from config.loader import normalise_number

_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_DIGITS = re.compile(r"^[0-9*#]{0,32}$")
_NUMBER_FIELD_LIMIT = 32
# What Twilio puts in `From` when the number is withheld: ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN
# and UNAVAILABLE spelt on a keypad. One pseudonym for all of them would make one frequent caller.
WITHHELD = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})


class BadWebhook(ValueError):
    """A signed request whose fields are missing or malformed."""


@dataclass(frozen=True, slots=True)
class CallForm:
    call_sid: str
    to: str
    digits: str | None
    fields: Mapping[str, object]

    @property
    def caller(self) -> str | None:
        """The caller's number in E.164 if it can be called back (not withheld, not a client)."""
        return caller_number(self.fields.get("From"))

    @property
    def caller_id(self) -> str | None:
        """`From` as Twilio wrote it, if it has the form of an E.164 number and is not one of
        Twilio's stand-ins for a withheld number: enough to take a pseudonym of, without the
        cost of checking that the number exists (`caller` does that, for calling back)."""
        value = self.fields.get("From")
        if not isinstance(value, str) or value in WITHHELD or not _E164.match(value):
            return None
        return value

    def text(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value if isinstance(value, str) and value else None

    def number(self, name: str, default: int = 0) -> int:
        value = self.text(name)
        return int(value) if value and value.isdigit() else default


async def read_call_form(request: web.Request) -> CallForm:
    """The fields of a voice webhook; `BadWebhook` if CallSid or To is missing or malformed."""
    form = await request.post()
    call_sid = form.get("CallSid")
    to = form.get("To")
    if not is_sid(call_sid):
        raise BadWebhook("CallSid missing or malformed")
    if not isinstance(to, str) or not to or len(to) > _NUMBER_FIELD_LIMIT:
        raise BadWebhook("To missing or malformed")
    digits = form.get("Digits")
    if isinstance(digits, str) and digits and not _DIGITS.match(digits):
        digits = None  # not keypad input: treated like no key, never trusted further
    return CallForm(
        call_sid=call_sid,
        to=to,
        digits=digits if isinstance(digits, str) and digits else None,
        fields=form,
    )


def is_sid(value: object) -> TypeGuard[str]:
    """A Twilio SID: two capitals and 32 hex digits (CallSid, RecordingSid, MessageSid, ...)."""
    return isinstance(value, str) and _SID.match(value) is not None


def dialled_number(value: object) -> str | None:
    """A dialled number (`To`) in E.164, or None if it is none."""
    if not isinstance(value, str) or len(value) > _NUMBER_FIELD_LIMIT:
        return None
    return _e164(value)


def caller_number(value: object) -> str | None:
    """The caller's number in E.164 if it is a callable phone number (not withheld, not a client)."""
    if not isinstance(value, str) or not value.startswith("+") or len(value) > _NUMBER_FIELD_LIMIT:
        return None
    return _e164(value)


@lru_cache(maxsize=4096)
def _e164(value: str) -> str | None:
    # Parsing is the costliest step of reading a webhook, and callers call again.
    return normalise_number(value)
