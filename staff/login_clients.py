"""How the login throttle tells clients apart: by address, and by a signed device cookie.

A browser that has logged in as a user before carries a device cookie for that user (OWASP,
"Slow Down Online Guessing Attacks with Device Cookies"). It is signed with the service's
secret and bound to the user name, so it cannot be forged or carried over to another account.
Each user name has a cookie of its own, so colleagues sharing a desk computer each keep theirs.
Addresses are kept only as keyed hashes: the throttle needs to tell them apart, not to know them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from staff.client_addresses import client_address_group

DEVICE_COOKIE_PREFIX = "hotline_device_"
DEVICE_COOKIE_LIFETIME = dt.timedelta(days=180)
_CLOCK_SKEW = dt.timedelta(minutes=5)
ADDRESS_KIND = "a:"
DEVICE_KIND = "d:"


@dataclass(frozen=True, slots=True)
class LoginClient:
    """Who is trying to log in, as pseudonyms of 64 characters: `key` counts the failures of
    this client (a trusted device, else the address); `address` those of its address."""

    address: str
    device: str | None = None

    @property
    def key(self) -> str:
        return self.device or self.address

    @property
    def trusted(self) -> bool:
        return self.device is not None


def login_client(
    remote: str | None, device_token: str | None, username: str, secret: str, now: dt.datetime
) -> LoginClient:
    """The client of a login attempt for `username`; a device cookie counts only if it is valid
    for exactly this user name (anything else is treated as no cookie at all)."""
    device = _device_id(device_token, username, secret, now) if device_token else None
    return LoginClient(
        address=ADDRESS_KIND + _keyed(secret, "address", client_address_group(remote)),
        device=DEVICE_KIND + _keyed(secret, "device", device) if device else None,
    )


def device_cookie_name(username: str, secret: str) -> str:
    """One cookie per user name; the name is keyed, so it does not show whose it is."""
    return DEVICE_COOKIE_PREFIX + _keyed(secret, "device cookie name", username)[:16]


def issue_device_token(username: str, secret: str, now: dt.datetime) -> str:
    """A new device cookie value for `username`, given after each successful login."""
    issued = str(int(now.timestamp()))
    nonce = secrets.token_urlsafe(16)
    return f"{issued}.{nonce}.{_signature(secret, username, issued, nonce)}"


def _device_id(token: str, username: str, secret: str, now: dt.datetime) -> str | None:
    """The device's nonce if `token` is a device cookie we issued for `username` and still valid."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    issued, nonce, signature = parts
    if not (issued.isascii() and issued.isdigit() and len(issued) <= 11 and 16 <= len(nonce) <= 64):
        return None
    if not hmac.compare_digest(signature.encode(), _signature(secret, username, issued, nonce).encode()):
        return None
    age = now - dt.datetime.fromtimestamp(int(issued), dt.UTC)
    if not -_CLOCK_SKEW <= age <= DEVICE_COOKIE_LIFETIME:
        return None
    return nonce


def _signature(secret: str, username: str, issued: str, nonce: str) -> str:
    return _keyed(secret, "device cookie", f"{username}|{issued}|{nonce}")


def _keyed(secret: str, purpose: str, value: str) -> str:
    """62 hex characters of an HMAC under a key of its own for each purpose."""
    key = hmac.new(secret.encode(), f"hotline login {purpose} v1".encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:62]
