"""The concern a staff request names, for every view that takes one by reference."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.models import Concern
from staff.accounts import StaffMember
from staff.errors import Forbidden


async def served_concern(session: AsyncSession, request: web.Request, member: StaffMember) -> Concern:
    """The concern of the `reference` in the path: 404 where there is none, refused where it
    belongs to a region `member` does not serve (pages and the API alike)."""
    concern = await session.scalar(select(Concern).where(Concern.reference == request.match_info["reference"]))
    if concern is None:
        raise web.HTTPNotFound()
    if not member.may_serve(concern.region):
        raise Forbidden("this concern belongs to another region")
    return concern


async def concern_by_reference(session: AsyncSession, reference: str) -> Concern | None:
    """The concern of `reference`, for other slices through a port (no request, no member)."""
    return await session.scalar(select(Concern).where(Concern.reference == reference))
