"""What every page template can use: language, the logged-in member, the CSRF token."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.i18n import LANGUAGE_COOKIE, pick_language
from staff.web import CSRF_TOKEN, CURRENT_MEMBER


async def page_context(request: web.Request) -> dict[str, Any]:
    return {
        "lang": pick_language(
            request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language")
        ),
        "member": request.get(CURRENT_MEMBER),
        "csrf_token": request.get(CSRF_TOKEN, ""),
    }
