"""The headers every answer carries: what the browser may load, frame, cache and send on.

Pages load only our own files: no inline script or style anywhere (templates link
/static/hotline.css and small scripts under /static/), so an injected `<script>` or `style=`
does nothing. Nothing but /static/ is cached: pages show personal data, CSRF tokens or
references, and API answers personal data.

One policy per page: the video join pages set the one `video.content_policy` builds for the
configured provider (the site's plus that provider's sources). The middleware keeps a page's
own policy only if it is one of those it was given; any other is replaced by the default, so
no handler can widen the policy by accident.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from aiohttp import web
from aiohttp.typedefs import Middleware

from staff.web import Handler

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
STATIC_PREFIX = "/static/"
_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}
# Where a page sets its own, it is stricter (the public contact form: no-referrer); kept.
_DEFAULTS = {"Referrer-Policy": "same-origin"}


def security_headers_middleware(*, secure_cookies: bool, page_policies: Collection[str] = ()) -> Middleware:
    """The middleware, outermost, so it also marks error pages and refusals raised past the
    error middleware. With `secure_cookies` (an https public URL) every cookie is Secure,
    whichever part of the service set it. `page_policies`: the Content-Security-Policies a
    page may set for itself instead of the default (the video join pages')."""
    allowed = frozenset(page_policies)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _mark(request, exc, secure_cookies, allowed)
            raise
        _mark(request, response, secure_cookies, allowed)
        return response

    return middleware


def security_headers_on_prepare(
    *, secure_cookies: bool, page_policies: Collection[str] = ()
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """The same marks for an answer its handler streams (a CSV export): its headers leave when it
    is prepared, before the middleware gets it back. For `app.on_response_prepare`."""
    allowed = frozenset(page_policies)

    async def mark(request: web.Request, response: web.StreamResponse) -> None:
        _mark(request, response, secure_cookies, allowed)

    return mark


def _mark(
    request: web.Request, response: web.StreamResponse, secure_cookies: bool, page_policies: frozenset[str]
) -> None:
    if response.headers.get("Content-Security-Policy") not in page_policies:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers.update(_ALWAYS)
    for name, value in _DEFAULTS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith(STATIC_PREFIX):
        # A page may relax it for the browser's own history (the contact form: see there).
        response.headers.setdefault("Cache-Control", "no-store")
    if secure_cookies:
        for morsel in response.cookies.values():
            morsel["secure"] = True
