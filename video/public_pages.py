"""What the customer's token pages share: rendering without leaking the token, the page's
language, the plain pages for a link that cannot be used, and the 429 pages of the limits."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp_jinja2
from aiohttp import web

from config.deployment import Deployment
from storage.clock import Clock
from video.page_limits import SubmissionLimit, TokenGuessLimit

LinkProblem = Literal["invalid", "expired", "spent"]
# A spent or expired link was genuine once: "gone" tells caches and people it will not come back.
PROBLEM_STATUS: dict[LinkProblem, int] = {"invalid": 404, "expired": 410, "spent": 410}


def render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    """A token page: never cached, and no Referer, so the token in its address goes nowhere
    (the Jitsi script and the links to other sites would otherwise be told it)."""
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@dataclass(frozen=True)
class PublicPages:
    """The token pages' guards and plain answers; one instance shared by their views."""

    deployment: Deployment
    clock: Clock
    guesses: TokenGuessLimit
    submissions: SubmissionLimit

    def held_back(self, request: web.Request) -> web.Response | None:
        """429 for a client that sent too many wrong tokens lately, else None."""
        retry_at = self.guesses.retry_at(request.remote)
        return None if retry_at is None else self.too_many(request, retry_at)

    async def sending_held_back(self, request: web.Request) -> web.Response | None:
        """Before a form on a token page is acted on: the guess limit, then the count of forms."""
        held = self.held_back(request)
        if held is not None:
            return held
        retry_at = await self.submissions.admit(request.remote)
        return None if retry_at is None else self.too_many(request, retry_at)

    def link_problem(self, request: web.Request, problem: LinkProblem) -> web.Response:
        """What to do when a link cannot be used: call the hotline, or ask for a new link by SMS.
        A wrong token counts towards the guess limit; a genuine one that ran out does not."""
        if problem == "invalid":
            self.guesses.miss(request.remote)
        context = {"problem": problem, "regions": self.deployment.regions}
        return render(request, "video/link_problem.html", context, status=PROBLEM_STATUS[problem])

    def too_many(self, request: web.Request, retry_at: dt.datetime) -> web.Response:
        response = render(request, "video/too_many.html", {"retry_at": retry_at}, status=429)
        wait = math.ceil((retry_at - self.clock()).total_seconds())
        response.headers["Retry-After"] = str(max(wait, 1))
        return response
