"""A request body that cannot be read is refused with 400 before anything reads it.

The staff gate reads forms for their CSRF token and handlers read forms or JSON; a body in an
unknown or non-UTF-8 charset, with bytes that are not UTF-8, or a multipart body without a
boundary made those reads raise, and anyone could turn that into a 500. Here the body is read
once, first (aiohttp keeps what it read for the gate and the handler), and a body that cannot
be read becomes an ordinary refusal: an error page, or JSON under /api/. Webhooks have an
edge of their own (`telephony.edge`) and are left to it.
"""

from __future__ import annotations

import codecs
import logging

from aiohttp import web

from service.keys import REQUEST_ID
from staff.web import Handler
from telephony.edge.webhooks import WEBHOOK_PREFIX

log = logging.getLogger("hotline.http")

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# Browsers send forms in UTF-8 and JSON is UTF-8 (RFC 8259); anything else is refused rather
# than guessed at, so no handler ever sees text decoded the wrong way.
_UTF8 = frozenset({"utf-8", "ascii"})


@web.middleware
async def readable_body_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in _WITH_BODY and not request.path.startswith(WEBHOOK_PREFIX):
        problem = await _unreadable(request)
        if problem:
            # Why, never what: the body may hold personal data.
            log.warning(
                "request body refused",
                extra={"path": request.path, "request_id": request.get(REQUEST_ID), "reason": problem},
            )
            raise web.HTTPBadRequest()
    return await handler(request)


async def _unreadable(request: web.Request) -> str | None:
    """Why the body cannot be read as its content type says, or None if it can."""
    charset = request.charset
    if charset:
        try:
            name = codecs.lookup(charset).name
        except LookupError:
            return "unknown charset"
        if name not in _UTF8:
            return "charset other than UTF-8"
    if request.content_type in _FORMS:
        try:
            await request.post()
        except web.HTTPException:
            raise  # too large: 413, as for any other body
        except Exception as exc:  # whatever the parser trips over, the body is at fault
            return f"form not readable ({type(exc).__name__})"
    elif request.content_type == "application/json" or request.content_type.endswith("+json"):
        try:
            (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return "not UTF-8"
    return None
