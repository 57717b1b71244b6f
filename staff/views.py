"""Login and logout pages."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff.accounts import normalise_username
from staff.authentication import LoginThrottled, ThrottlePolicy, authenticate
from staff.login_clients import DEVICE_COOKIE_LIFETIME, device_cookie_name, issue_device_token, login_client
from staff.sessions import close_session, open_session
from staff.web import CURRENT_MEMBER, SESSION_COOKIE, SESSION_EXPIRED, StaffGate, next_page, see_other
from storage.clock import Clock

log = logging.getLogger("hotline.login")

_MAX_FIELD = 256
# Written in German; the page layer shows them in English where chosen (staff/locale/en.toml).
MISSING_CREDENTIALS = "Bitte Benutzername und Passwort eingeben."
WRONG_CREDENTIALS = "Benutzername oder Passwort ist falsch."
# Says how long to wait, never which count ran over: that could tell whether an account exists.
THROTTLED = "Zu viele fehlgeschlagene Anmeldungen. Bitte in {minutes} Minuten erneut versuchen."
THROTTLED_SECONDS = "Zu viele fehlgeschlagene Anmeldungen. Bitte in {seconds} Sekunden erneut versuchen."
SESSION_EXPIRED_NOTICE = "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."
LOGGED_OUT_NOTICE = "Sie wurden abgemeldet."
MESSAGES = (
    MISSING_CREDENTIALS,
    WRONG_CREDENTIALS,
    THROTTLED,
    THROTTLED_SECONDS,
    SESSION_EXPIRED_NOTICE,
    LOGGED_OUT_NOTICE,
)


@dataclass(frozen=True)
class LoginViews:
    sessions: async_sessionmaker[AsyncSession]
    gate: StaffGate
    clock: Clock
    throttle: ThrottlePolicy = ThrottlePolicy()

    async def show(self, request: web.Request) -> web.StreamResponse:
        if CURRENT_MEMBER in request:
            return see_other(next_page(request, request.query.get("next")))
        notice = None
        if request.get(SESSION_EXPIRED) or request.query.get("expired"):
            notice = SESSION_EXPIRED_NOTICE
        elif request.query.get("logged_out"):
            notice = LOGGED_OUT_NOTICE
        return self._form(request, notice=notice)

    async def submit(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        username = str(form.get("username", ""))[:_MAX_FIELD]
        password = str(form.get("password", ""))[:_MAX_FIELD]
        target = next_page(request, str(form.get("next", "")))
        if not username or not password:
            return self._form(
                request,
                error=MISSING_CREDENTIALS,
                username=username,
                status=400,
                target=target,
            )
        name = normalise_username(username)
        device_cookie = device_cookie_name(name, self.gate.secret)
        now = self.clock()
        # Behind a reverse proxy `request.remote` must be the client's address as the proxy
        # forwards it (a trusted X-Forwarded-For), else all logins share the proxy's allowance.
        client = login_client(request.remote, request.cookies.get(device_cookie), name, self.gate.secret, now)
        # The log names the user name, never the password or the address.
        facts = {"username": name[:64], "trusted_device": client.trusted}
        try:
            async with self.sessions.begin() as session:
                member = await authenticate(
                    session, username=name, password=password, client=client, now=now, policy=self.throttle
                )
                token = await open_session(session, member, now, self.gate.policy) if member else None
        except LoginThrottled as exc:
            wait = math.ceil(exc.retry_after.total_seconds())
            log.warning("login throttled", extra=facts | {"limit": exc.limit, "retry_after": wait})
            message, args = _throttled(wait)
            response = self._form(request, username=username, status=429, target=target, error=message, error_args=args)
            response.headers["Retry-After"] = str(wait)
            return response
        if token is None:
            log.info("login failed", extra=facts)
            return self._form(
                request,
                error=WRONG_CREDENTIALS,
                username=username,
                status=401,
                target=target,
            )
        response = see_other(target)
        self.gate.start_login(request, response, token)
        # A fresh device cookie after every login: this browser is now known for this user name.
        response.set_cookie(
            device_cookie,
            issue_device_token(name, self.gate.secret, now),
            max_age=int(DEVICE_COOKIE_LIFETIME / dt.timedelta(seconds=1)),
            path=str(request.app.router["login"].url_for()),
            httponly=True,
            samesite="Strict",
            secure=self.gate.secure_cookies,
        )
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            async with self.sessions.begin() as session:
                await close_session(session, token)
        response = see_other(request.app.router["login"].url_for().with_query(logged_out=1))
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    def _form(
        self,
        request: web.Request,
        *,
        error: str | None = None,
        error_args: dict[str, object] | None = None,
        notice: str | None = None,
        username: str = "",
        status: int = 200,
        target: str | None = None,
    ) -> web.Response:
        context = {
            "error": error,
            "error_args": error_args or {},
            "notice": notice,
            "username": username,
            "next": target or next_page(request, request.query.get("next")),
        }
        return aiohttp_jinja2.render_template("staff/login.html", request, context, status=status)


def _throttled(wait_seconds: int) -> tuple[str, dict[str, object]]:
    """The 429 message: seconds for a short wait, whole minutes (rounded up) for a longer one."""
    if wait_seconds < 120:
        return THROTTLED_SECONDS, {"seconds": wait_seconds}
    return THROTTLED, {"minutes": math.ceil(wait_seconds / 60)}
