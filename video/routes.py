"""Names of counselling's public pages that its links point to; the views register routes under
these names with a `{token}` part, and `video.service` builds links from them."""

from __future__ import annotations

from video.links import LinkPurpose

LINK_ROUTES: dict[LinkPurpose, str] = {
    "book": "counselling-book",  # the booking page of a booking link
    "manage": "counselling-booking",  # a customer's own booking: cancel or move
    "join": "counselling-join",  # the video session's join page
}
