"""The video session's pages: the customer's join link (/video/{token}, no login) and the
counsellor's way in as moderator (/beratung/sitzungen/{booking}/video).

Both pages are one template: a waiting page before the room opens, the meeting in its window
(the markup the join scripts in service/static/ read), or a plain word why not. They carry the
Content-Security-Policy of the configured provider, which lets its script and frame in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from staff.errors import Forbidden
from staff.web import CURRENT_MEMBER, page_language, require_role
from video.content_policy import video_content_security_policy
from video.errors import CounsellingRefused
from video.links import LinkRefused
from video.public_pages import PublicPages, render
from video.service import Counselling
from video.values import JoinPage

_BOOKING_ID_DIGITS = 18


@dataclass(frozen=True)
class JoinViews:
    """Routes: `video.web.counselling_routes`."""

    counselling: Counselling
    pages: PublicPages

    async def customer(self, request: web.Request) -> web.StreamResponse:
        """The customer's join link: wait, enter as guest, or why not."""
        held = self.pages.held_back(request)
        if held is not None:
            return held
        try:
            page = await self.counselling.customer_join(request.match_info["token"])
        except LinkRefused as exc:
            return self.pages.link_problem(request, exc.reason)
        reload = request.app.router["counselling-join"].url_for(token=request.match_info["token"])
        return self._render(request, page, reload=str(reload), counsellor=False)

    @require_role("counsellor")
    async def host(self, request: web.Request) -> web.StreamResponse:
        """The counsellor's own session, as moderator; another counsellor's is refused."""
        text = request.match_info["booking"]
        if not (text.isascii() and text.isdigit() and len(text) <= _BOOKING_ID_DIGITS):
            raise web.HTTPNotFound()
        member = request[CURRENT_MEMBER]
        try:
            page = await self.counselling.counsellor_join(counsellor_id=member.id, booking_id=int(text))
        except CounsellingRefused as exc:
            if exc.code == "not_your_session":
                raise Forbidden("another counsellor's session") from exc
            raise web.HTTPNotFound() from exc
        if page.booking.mode != "video":
            raise web.HTTPNotFound()  # a phone session has no room to enter
        reload = request.app.router["counselling-host"].url_for(booking=text)
        return self._render(request, page, reload=str(reload), counsellor=True)

    def _render(self, request: web.Request, page: JoinPage, *, reload: str, counsellor: bool) -> web.Response:
        deployment = self.pages.deployment
        context: dict[str, Any] = {
            "page": page,
            "booking": page.booking,
            "ticket": page.ticket,
            "region": deployment.region(page.booking.region),
            "reload": reload,
            "counsellor": counsellor,
            "early_join_minutes": int(deployment.video.early_join.total_seconds() // 60),
            "video_lang": page_language(request),
            "iso": _iso_utc,
        }
        response = render(request, "video/join.html", context)
        if deployment.video.configured:
            response.headers["Content-Security-Policy"] = video_content_security_policy(deployment.video)
        return response


def _iso_utc(moment: dt.datetime) -> str:
    """A moment for the join scripts (`Date.parse`): ISO 8601 in UTC, to the second."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
