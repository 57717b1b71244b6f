"""Opaque, signed, expiring tokens for the customer's links (book, manage, join).

A token is `<key>.<expiry>.<signature>`: the key is random (it finds the invitation or booking,
and names nobody), the expiry is a Unix time in base 36, and the signature is an HMAC-SHA256 over
purpose, key and expiry with a key derived from the service's secret. A token for one purpose
cannot be used for another, a changed expiry breaks the signature, and nothing in it is a
number, a name or a row id.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

LinkPurpose = Literal["book", "manage", "join"]
_TOKEN = re.compile(r"([A-Za-z0-9_-]{22})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})")
_SIGNATURE_BYTES = 16  # 128 bits: forging one is out of reach, and the link stays short


class LinkRefused(Exception):
    """A token that is malformed, tampered with or expired; `reason` says which, for the page."""

    def __init__(self, reason: Literal["invalid", "expired"]) -> None:
        super().__init__(f"link {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LinkSigner:
    """Signs and checks link tokens with a key derived from the service's secret."""

    secret: str

    def sign(self, purpose: LinkPurpose, key: str, expires_at: dt.datetime) -> str:
        expiry = _base36(int(expires_at.timestamp()))
        return f"{key}.{expiry}.{self._signature(purpose, key, expiry)}"

    def check(self, purpose: LinkPurpose, token: str, now: dt.datetime) -> str:
        """The key of a genuine, unexpired token; `LinkRefused` otherwise."""
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise LinkRefused("invalid")
        key, expiry, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(purpose, key, expiry)):
            raise LinkRefused("invalid")
        if now.timestamp() >= int(expiry, 36):
            raise LinkRefused("expired")
        return key

    def _signature(self, purpose: str, key: str, expiry: str) -> str:
        derived = hashlib.sha256(b"hotline counselling links\0" + self.secret.encode()).digest()
        digest = hmac.new(derived, f"{purpose}\0{key}\0{expiry}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_SIGNATURE_BYTES]).rstrip(b"=").decode()


def new_link_key() -> str:
    """22 URL-safe random characters (128 bits)."""
    return secrets.token_urlsafe(16)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text
