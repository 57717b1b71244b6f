"""Tokens for the job centre's own Jitsi Meet (Prosody `token` authentication, HS256).

Prosody checks `iss` against its `app_id`, `aud` against its accepted audiences, `sub` against
the domain and `room` against the room being entered, and refuses the token outside `nbf`..`exp`.
So one token opens exactly one room, only in the session's window, and `moderator` makes only
the counsellor able to mute or remove others.
"""

from __future__ import annotations

import datetime as dt

import jwt

from config.deployment import VideoSettings
from video.rooms import check_room_name

GUEST_NAME = "Gast"
MAX_DISPLAY_NAME = 40


def jitsi_token(
    video_settings: VideoSettings,
    secret: str,
    *,
    room: str,
    name: str,
    moderator: bool,
    start: dt.datetime,
    end: dt.datetime,
) -> str:
    """A signed token letting `name` into `room` from `early_join` before `start` to `grace` after `end`."""
    if video_settings.domain is None:
        raise ValueError("no Jitsi domain is configured ([video] domain in the deployment file)")
    check_room_name(room)
    if start.tzinfo is None or end.tzinfo is None:
        # A naive time would be read in the server's zone and shift the window by hours.
        raise ValueError("start and end must carry a time zone")
    if end <= start:
        raise ValueError("a session must end after it starts")
    claims = {
        "iss": video_settings.app_id,
        "aud": video_settings.audience,
        "sub": video_settings.domain,
        "room": room,
        "nbf": int((start - video_settings.early_join).timestamp()),
        "exp": int((end + video_settings.grace).timestamp()),
        "context": {"user": {"name": name, "moderator": moderator}},
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def customer_display_name(name: str | None) -> str:
    """What the counsellor sees of a customer: the first name only, or "Gast" without one.

    The meeting's participant list is visible to everyone in it and to Jitsi's logs, so it
    carries as little of the person as still lets the counsellor greet them.
    """
    first = (name or "").split(maxsplit=1)
    return first[0][:MAX_DISPLAY_NAME] if first else GUEST_NAME
