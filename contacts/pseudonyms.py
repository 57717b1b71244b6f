"""Caller pseudonyms: a keyed HMAC of the E.164 number, so contacts link up without the number."""

from __future__ import annotations

import hashlib
import hmac
import re

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class Pseudonymiser:
    """Turns a number into a stable pseudonym under the service's secret key."""

    def __init__(self, secret_key: str) -> None:
        # A key of its own, so a pseudonym never equals any other HMAC the service computes.
        self._key = hmac.new(secret_key.encode(), b"hotline caller pseudonym v1", hashlib.sha256).digest()

    def __call__(self, e164: str) -> str:
        if not _E164.match(e164):
            raise ValueError("pseudonyms are taken of E.164 numbers only (e.g. +4922419000100)")
        return hmac.new(self._key, e164.encode(), hashlib.sha256).hexdigest()
