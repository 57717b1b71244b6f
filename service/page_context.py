"""What every page template can use: language, the logged-in member, the CSRF token."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from service.i18n import LANGUAGE_COOKIE, pick_language
from staff.web import CSRF_TOKEN, CURRENT_MEMBER, Handler
from telephony.edge.webhooks import WEBHOOK_PREFIX


async def page_context(request: web.Request) -> dict[str, Any]:
    return {
        "lang": pick_language(
            request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language")
        ),
        "member": request.get(CURRENT_MEMBER),
        "csrf_token": request.get(CSRF_TOKEN, ""),
    }


@web.middleware
async def page_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give templates the page context; webhooks skip the cookie and header parsing it takes."""
    if not request.path.startswith(WEBHOOK_PREFIX):  # no page is ever rendered for Twilio
        request[aiohttp_jinja2.REQUEST_CONTEXT_KEY] = {"request": request, **await page_context(request)}
    return await handler(request)
