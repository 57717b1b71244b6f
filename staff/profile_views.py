"""The profile page every staff member has: the phone the service rings for them."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff.profile import ProfileError, parse_phone, phone_of, set_phone
from staff.web import CURRENT_MEMBER, require_role, see_other

SAVED = "Ihre Telefonnummer ist gespeichert."
REMOVED = "Ihre Telefonnummer ist entfernt."
MESSAGES = (SAVED, REMOVED)


@dataclass(frozen=True)
class ProfileViews:
    sessions: async_sessionmaker[AsyncSession]

    @require_role()
    async def page(self, request: web.Request) -> web.StreamResponse:
        notice = {"saved": SAVED, "removed": REMOVED}.get(request.query.get("done", ""))
        return await self._render(request, notice=notice)

    @require_role()
    async def update(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        form = await request.post()
        typed = str(form.get("phone", "")).strip()
        try:
            phone = parse_phone(typed) if typed else None
            async with self.sessions.begin() as session:
                await set_phone(session, member.id, phone)
        except ProfileError as exc:
            return await self._render(request, error=str(exc), typed=typed[:40], status=400)
        done = "saved" if phone else "removed"
        return see_other(request.app.router["profile"].url_for().with_query(done=done))

    async def _render(
        self,
        request: web.Request,
        *,
        notice: str | None = None,
        error: str | None = None,
        typed: str | None = None,
        status: int = 200,
    ) -> web.Response:
        member = request[CURRENT_MEMBER]
        async with self.sessions() as session:
            phone = await phone_of(session, member.id)
        context = {"phone": phone, "typed": typed, "notice": notice, "error": error}
        return aiohttp_jinja2.render_template("staff/profile.html", request, context, status=status)
