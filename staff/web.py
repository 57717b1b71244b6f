"""The staff edge: who is logged in, CSRF tokens, and the `require_role` guard for handlers."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from staff.accounts import StaffMember
from staff.errors import CsrfRejected, Forbidden, NotAuthenticated
from staff.redirects import safe_next
from staff.roles import Role
from staff.sessions import SessionPolicy, look_up_session, note_session_use
from storage.clock import Clock
from storage.deadlines import within

SESSION_COOKIE = "hotline_session"
PRE_SESSION_COOKIE = "hotline_pre"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOTE_USE_SECONDS = 5.0
log = logging.getLogger("hotline.staff")

CURRENT_MEMBER = web.RequestKey("staff_member", StaffMember)
SESSION_EXPIRED = web.RequestKey("staff_session_expired", bool)
CSRF_TOKEN = web.RequestKey("staff_csrf_token", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Callable[..., Awaitable[web.StreamResponse]])


@dataclass(frozen=True)
class StaffGate:
    """Resolves the login of each request and checks CSRF tokens; plugged in by `service`."""

    sessions: async_sessionmaker[AsyncSession]
    secret: str
    clock: Clock
    secure_cookies: bool
    csrf_exempt_prefixes: tuple[str, ...]  # machine callers: no staff, no cookies, no CSRF
    policy: SessionPolicy = SessionPolicy()
    _noting: set[asyncio.Task[None]] = field(default_factory=set, repr=False, compare=False)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(self.csrf_exempt_prefixes):
            return await handler(request)  # machine callers (Twilio): no staff, no cookies to hand out
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await self._identify(request, token)
        basis = token if CURRENT_MEMBER in request else request.cookies.get(PRE_SESSION_COOKIE)
        fresh_pre = None
        if not basis:
            basis = fresh_pre = secrets.token_urlsafe(24)
        request[CSRF_TOKEN] = self._csrf_for(basis)
        if request.method in _UNSAFE_METHODS:
            await self._check_csrf(request)
        response = await handler(request)
        if fresh_pre:
            self.set_cookie(response, PRE_SESSION_COOKIE, fresh_pre)
        if request.get(SESSION_EXPIRED):
            response.del_cookie(SESSION_COOKIE, path="/")
        return response

    async def _identify(self, request: web.Request, token: str) -> None:
        now = self.clock()
        async with self.sessions() as session:  # reading only: never queued behind a write
            found = await look_up_session(session, token, now, self.policy)
        if found.expired and found.stale:
            await self._write_use(token, now)  # an ended login is gone on the server at once
        elif found.stale:
            # Off the request's path: a page that only reads does not wait for the writer, and a
            # lost note of use at worst ends an idle session a minute early.
            task = asyncio.get_running_loop().create_task(self._note_use(token, now))
            self._noting.add(task)
            task.add_done_callback(self._noting.discard)
        if found.member is not None:
            request[CURRENT_MEMBER] = found.member
        elif found.expired:
            request[SESSION_EXPIRED] = True

    async def finish_noting(self, _app: web.Application | None = None) -> None:
        """Let the notes of use still under way end before the engine closes (on shutdown): a
        note cut off there would leave its connection to be closed by the garbage collector."""
        if self._noting:
            await asyncio.gather(*self._noting, return_exceptions=True)

    async def _note_use(self, token: str, now: dt.datetime) -> None:
        try:
            await within(NOTE_USE_SECONDS, self._write_use(token, now))
        except Exception:
            log.info("a session's use could not be noted; the next request tries again", exc_info=True)

    async def _write_use(self, token: str, now: dt.datetime) -> None:
        async with self.sessions.begin() as session:
            await note_session_use(session, token, now, self.policy)

    def _csrf_for(self, basis: str) -> str:
        return hmac.new(self.secret.encode(), f"csrf|{basis}".encode(), hashlib.sha256).hexdigest()

    async def _check_csrf(self, request: web.Request) -> None:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        if not sent or not hmac.compare_digest(sent.encode(), request[CSRF_TOKEN].encode()):
            if CURRENT_MEMBER not in request and _needs_login(request):
                # Logged out since the form or client got its token (session expired, account
                # deactivated): say that, so the browser is sent to the login and an API client
                # gets its 401. The handler runs in neither case.
                raise NotAuthenticated(expired=request.get(SESSION_EXPIRED, False))
            raise CsrfRejected()

    def set_cookie(self, response: web.StreamResponse, name: str, value: str) -> None:
        response.set_cookie(name, value, path="/", httponly=True, samesite="Lax", secure=self.secure_cookies)

    def start_login(self, request: web.Request, response: web.StreamResponse, token: str) -> None:
        """Hand the browser its session cookie; the pre-session cookie has served its purpose."""
        self.set_cookie(response, SESSION_COOKIE, token)
        response.del_cookie(PRE_SESSION_COOKIE, path="/")


def _needs_login(request: web.Request) -> bool:
    """Whether the route's handler is guarded by `require_role` (which marks it)."""
    return getattr(request.match_info.handler, "required_roles", None) is not None


def see_other(location: str | URL) -> web.Response:
    """A 303 redirect returned (not raised), so middlewares can still set cookies on it.

    Our own pages are named routes: pass `request.app.router[name].url_for(...)`, not a typed path.
    """
    return web.Response(status=303, headers={"Location": str(location)})


def next_page(request: web.Request, target: str | None) -> str:
    """Where a login or a language switch sends the browser: `target` if it is a path of this
    site, else the start page."""
    return safe_next(target, fallback=str(request.app.router["start"].url_for()))


def require_role(*roles: Role) -> Callable[[H], H]:
    """Guard a handler (function or method): logged in, and holding one of `roles` if any given."""

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def guarded(*args: Any) -> web.StreamResponse:
            request = args[-1]
            assert isinstance(request, web.Request)
            member = request.get(CURRENT_MEMBER)
            if member is None:
                raise NotAuthenticated(expired=request.get(SESSION_EXPIRED, False))
            if roles and not member.has_any_role(roles):
                raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
            return await handler(*args)

        guarded.required_roles = roles  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def page_language(request: web.Request) -> str:
    """The language the page is rendered in (chosen by the page context middleware: the site's
    switch, else the browser's wish, else German)."""
    context = request.get(aiohttp_jinja2.REQUEST_CONTEXT_KEY) or {}
    return str(context.get("lang", "de"))
