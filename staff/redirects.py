"""Where a redirect that takes its target from the request may send the browser: only here."""

from __future__ import annotations

from urllib.parse import urlsplit

_MAX_TARGET = 2048  # our own paths are short; a long one only makes a long Location header
# Decoded by some servers and proxies into the separators a path must not start with.
_ENCODED_SEPARATORS = ("%2f", "%5c")


def safe_next(target: str | None, fallback: str = "/") -> str:
    """`target` if it is a path of this site, else `fallback` (the start page); never raises.

    Only visible ASCII is let through: browsers drop tabs and newlines from a URL and read a
    backslash as a slash, so `/<TAB>/evil.example` or `/\\evil.example` would reach
    `//evil.example`, another host; control characters would also break the Location header.
    Our own links carry percent-encoded paths, so nothing legitimate is refused.
    """
    if not target or len(target) > _MAX_TARGET:
        return fallback
    if not all("!" <= char <= "~" for char in target) or "\\" in target:
        return fallback
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    lowered = target.lower()
    if any(separator in lowered for separator in _ENCODED_SEPARATORS):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
