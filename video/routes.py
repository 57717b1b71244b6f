"""Names and paths of counselling's public pages that its links point to; the views register
routes under these names and paths with a `{token}` part, and `video.service` builds links from
them (through the router in the app, from the paths alone where no app runs: the command line)."""

from __future__ import annotations

from video.links import LinkPurpose

LINK_ROUTES: dict[LinkPurpose, str] = {
    "book": "counselling-book",  # the booking page of a booking link
    "manage": "counselling-booking",  # a customer's own booking: cancel or move
    "join": "counselling-join",  # the video session's join page
}
LINK_PATHS: dict[LinkPurpose, str] = {
    "book": "/termin/{token}",
    "manage": "/buchung/{token}",
    "join": "/video/{token}",
}


def link_url(public_url: str, purpose: LinkPurpose, token: str) -> str:
    """The absolute URL of a link's page without a router (a token is URL-safe as it is)."""
    return public_url.rstrip("/") + LINK_PATHS[purpose].format(token=token)
