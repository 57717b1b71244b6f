"""The administrators' list of staff accounts."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff.accounts import list_users
from staff.roles import ROLE_TITLES
from staff.web import require_role


@dataclass(frozen=True)
class AdminViews:
    sessions: async_sessionmaker[AsyncSession]

    @require_role("admin")
    async def users(self, request: web.Request) -> web.StreamResponse:
        async with self.sessions() as session:
            users = await list_users(session)
        return aiohttp_jinja2.render_template("staff/users.html", request, {"users": users, "role_titles": ROLE_TITLES})
