"""Login and logout pages."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff.authentication import LoginThrottled, ThrottlePolicy, authenticate
from staff.sessions import close_session, open_session
from staff.web import CURRENT_MEMBER, SESSION_COOKIE, SESSION_EXPIRED, StaffGate, see_other
from storage.clock import Clock

_MAX_FIELD = 256
# Written in German; the page layer shows them in English where chosen (staff/locale/en.toml).
MISSING_CREDENTIALS = "Bitte Benutzername und Passwort eingeben."
WRONG_CREDENTIALS = "Benutzername oder Passwort ist falsch."
THROTTLED = "Zu viele fehlgeschlagene Anmeldungen. Bitte in {minutes} Minuten erneut versuchen."
SESSION_EXPIRED_NOTICE = "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."
LOGGED_OUT_NOTICE = "Sie wurden abgemeldet."
MESSAGES = (MISSING_CREDENTIALS, WRONG_CREDENTIALS, THROTTLED, SESSION_EXPIRED_NOTICE, LOGGED_OUT_NOTICE)


def safe_next(target: str | None) -> str:
    """Only local paths, so the login form cannot be used to send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@dataclass(frozen=True)
class LoginViews:
    sessions: async_sessionmaker[AsyncSession]
    gate: StaffGate
    clock: Clock
    throttle: ThrottlePolicy = ThrottlePolicy()

    async def show(self, request: web.Request) -> web.StreamResponse:
        if CURRENT_MEMBER in request:
            return see_other(safe_next(request.query.get("next")))
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
        target = safe_next(str(form.get("next", "")))
        if not username or not password:
            return self._form(
                request,
                error=MISSING_CREDENTIALS,
                username=username,
                status=400,
                target=target,
            )
        try:
            async with self.sessions.begin() as session:
                member = await authenticate(
                    session,
                    username=username,
                    password=password,
                    remote=request.remote or "unknown",
                    now=self.clock(),
                    policy=self.throttle,
                )
                token = await open_session(session, member, self.clock(), self.gate.policy) if member else None
        except LoginThrottled as exc:
            minutes = max(1, round(exc.retry_after.total_seconds() / 60))
            response = self._form(
                request,
                username=username,
                status=429,
                target=target,
                error=THROTTLED,
                error_args={"minutes": minutes},
            )
            response.headers["Retry-After"] = str(int(exc.retry_after.total_seconds()))
            return response
        if token is None:
            return self._form(
                request,
                error=WRONG_CREDENTIALS,
                username=username,
                status=401,
                target=target,
            )
        response = see_other(target)
        self.gate.start_login(request, response, token)
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            async with self.sessions.begin() as session:
                await close_session(session, token)
        response = see_other("/login?logged_out=1")
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
            "next": target or safe_next(request.query.get("next")),
        }
        return aiohttp_jinja2.render_template("staff/login.html", request, context, status=status)
