"""The Content-Security-Policy of the video join pages: the site's strict policy plus exactly the
sources the configured provider needs, nothing for the other one.

- Jitsi: the IFrame API script comes from https://<domain>/external_api.js and puts the meeting
  in an iframe from the same host. Media, websockets and everything else run inside that frame,
  under the Jitsi server's own policy, so our page needs `script-src` and `frame-src` only.
- Twilio: the SDK is our own file (/static/vendor/, see service/vendor_assets.py). It opens two
  websockets, signalling (wss://global.vss.twilio.com: region "gll", the default we keep) and
  insights (wss://sdkgw.us1.twilio.com: realm "us1"), as twilio-video 2.36's constants and its
  README's CSP section say. Media flows over WebRTC, which no CSP directive governs; the
  `mediastream:` scheme is for video elements showing a track, as the README asks.

A handler sets the result on its response; the security-headers middleware keeps it (and only
it) instead of the default. The policy is built from the deployment file, whose loader already
refuses a domain that is not a bare host name; the check here keeps a hand-built VideoSettings
from ever putting `;` or a space into the header.
"""

from __future__ import annotations

import re

from config.deployment import VideoSettings

# The site's policy (service/security_headers.py), as directives; a test keeps the two equal.
DEFAULT_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("frame-ancestors", "'none'"),
    ("form-action", "'self'"),
)
TWILIO_SIGNALING = "wss://global.vss.twilio.com"
TWILIO_INSIGHTS = "wss://sdkgw.us1.twilio.com"
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def video_content_security_policy(settings: VideoSettings) -> str:
    """The join pages' policy for the configured provider; ValueError without a usable Jitsi domain."""
    directives = dict(DEFAULT_DIRECTIVES)
    if settings.provider == "jitsi":
        origin = f"https://{_checked_host(settings.domain)}"
        directives["script-src"] = f"'self' {origin}"
        directives["frame-src"] = origin
    else:
        directives["connect-src"] = f"'self' {TWILIO_SIGNALING} {TWILIO_INSIGHTS}"
        directives["media-src"] = "'self' mediastream:"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _checked_host(domain: str | None) -> str:
    if domain is None:
        raise ValueError("no Jitsi domain is configured ([video] domain in the deployment file)")
    if len(domain) > 253 or not _HOST.fullmatch(domain):
        raise ValueError(f"the Jitsi domain must be a bare host name, not {domain!r}")
    return domain
