"""Counselling's pages for customers and the counsellor's way into a video session, named:
the service builds the customer's links from the names in `video.routes.LINK_ROUTES`."""

from __future__ import annotations

from aiohttp import web

from video.booking_views import BookingViews
from video.join_views import JoinViews
from video.routes import LINK_PATHS, LINK_ROUTES


def counselling_routes(booking: BookingViews, join: JoinViews) -> list[web.RouteDef]:
    # The links' own pages sit at the paths `video.routes` keeps (the command line builds links from them).
    return [
        # the booking link, /termin/{token} (no login): choose a slot, book it
        web.get(LINK_PATHS["book"], booking.choose, name=LINK_ROUTES["book"]),
        web.post(LINK_PATHS["book"], booking.book, name=LINK_ROUTES["book"]),
        # the booking's own link, /buchung/{token} (no login): see it, cancel it, move it
        web.get(LINK_PATHS["manage"], booking.booking, name=LINK_ROUTES["manage"]),
        web.post("/buchung/{token}/absagen", booking.cancel, name="counselling-booking-cancel"),
        web.post("/buchung/{token}/verschieben", booking.move, name="counselling-booking-move"),
        # the video session: the customer's join link (/video/{token}), and the counsellor's way in as moderator
        web.get(LINK_PATHS["join"], join.customer, name=LINK_ROUTES["join"]),
        web.get("/beratung/sitzungen/{booking}/video", join.host, name="counselling-host"),
    ]
