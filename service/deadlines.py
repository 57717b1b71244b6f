"""Pages and API answers in bounded time: a stuck database gives a clear 503, not a 500 much later."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Middleware

from service.keys import REQUEST_ID
from staff.web import Handler
from storage.deadlines import DeadlinePassed, within

log = logging.getLogger("hotline.http")
PAGE_DEADLINE_SECONDS = 4.5  # a person gets an answer within 5 s, whatever the database does


class ServiceUnavailable(Exception):
    """The database is locked, down or too slow for this request; the person may try again."""


def page_deadline_middleware(seconds: float = PAGE_DEADLINE_SECONDS, *, skip: tuple[str, ...] = ()) -> Middleware:
    """Answer every request not under `skip` (the webhook edge keeps its own deadlines) in time."""

    @web.middleware
    async def deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(skip):
            return await handler(request)
        try:
            return await within(seconds, handler(request))
        except DeadlinePassed as exc:
            log.warning(
                "request past its deadline; answered 503",
                extra={"path": request.path, "request_id": request.get(REQUEST_ID)},
            )
            raise ServiceUnavailable() from exc

    return deadline
