"""Twilio Video access tokens: one identity, one room, valid from now until the session is over.

Twilio checks the token only when a participant connects; someone already in the room stays
after it expires. So the lifetime need only cover (re)connecting, and it is capped at the
slot's length plus grace counted from the moment of issue: a token issued early (during
`early_join`) therefore ends before `end + grace`, and a page reloaded later simply gets a
fresh one. It never outlives `end + grace`, and Twilio refuses lifetimes above 24 hours.
"""

from __future__ import annotations

import datetime as dt

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VideoGrant

from video.rooms import check_room_name

MAX_TTL = dt.timedelta(hours=24)  # Twilio's own limit for access tokens


def twilio_video_token(
    account_sid: str,
    api_key_sid: str,
    api_secret: str,
    *,
    identity: str,
    room: str,
    start: dt.datetime,
    end: dt.datetime,
    grace: dt.timedelta,
    now: dt.datetime,
) -> str:
    """A token for `identity` to join `room`; ValueError once the session and its grace are over."""
    check_room_name(room)
    if not identity:
        raise ValueError("a Twilio Video token needs an identity")
    if any(moment.tzinfo is None for moment in (start, end, now)):
        raise ValueError("start, end and now must carry a time zone")
    if end <= start:
        raise ValueError("a session must end after it starts")
    closes = end + grace
    if now >= closes:
        raise ValueError("the session is over: no token is issued after its grace period")
    ttl = min(closes - now, (end - start) + grace)
    if ttl > MAX_TTL:
        raise ValueError("a Twilio Video token may live at most 24 hours")
    issued = int(now.timestamp())
    token = AccessToken(
        account_sid,
        api_key_sid,
        api_secret,
        identity=identity,
        nbf=issued,
        ttl=int(ttl.total_seconds()),
        valid_until=issued + int(ttl.total_seconds()),
    )
    token.add_grant(VideoGrant(room=room))
    return str(token.to_jwt())
