"""The token that lets one person into one video session, from whichever provider is configured."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from config.deployment import VideoSettings
from video.jitsi import customer_display_name, jitsi_token
from video.twilio_video import twilio_video_token

DEVELOPMENT_API_KEY_SID = "SK" + "0" * 32


@dataclass(frozen=True, slots=True)
class VideoCredentials:
    """What signs the tokens: the Jitsi secret, or a Twilio account's API key."""

    jitsi_secret: str
    twilio_account_sid: str
    twilio_api_key_sid: str
    twilio_api_key_secret: str
    derived: bool  # no real server can check these: the join page says so


@dataclass(frozen=True, slots=True)
class JoinTicket:
    """What a join page hands to the provider's script."""

    provider: str
    domain: str | None  # Jitsi's host; None for Twilio
    room: str
    token: str
    name: str
    moderator: bool
    opens_at: dt.datetime
    closes_at: dt.datetime
    derived_secret: bool


def join_ticket(
    video: VideoSettings,
    credentials: VideoCredentials,
    *,
    room: str,
    name: str,
    moderator: bool,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    identity: str,
) -> JoinTicket:
    """A token for `name` (already as the meeting should show it) to enter `room`."""
    if video.provider == "twilio":
        token = twilio_video_token(
            credentials.twilio_account_sid,
            credentials.twilio_api_key_sid,
            credentials.twilio_api_key_secret,
            identity=identity,
            room=room,
            start=start,
            end=end,
            grace=video.grace,
            now=now,
        )
    else:
        token = jitsi_token(
            video, credentials.jitsi_secret, room=room, name=name, moderator=moderator, start=start, end=end
        )
    return JoinTicket(
        provider=video.provider,
        domain=video.domain if video.provider == "jitsi" else None,
        room=room,
        token=token,
        name=name,
        moderator=moderator,
        opens_at=start - video.early_join,
        closes_at=end + video.grace,
        derived_secret=credentials.derived,
    )


def customer_name(first_name: str | None) -> str:
    return customer_display_name(first_name)
