"""Records staff actions on the web in the audit trail, in one place: after the handler answered
successfully, by the rules of `service.audited_routes`, who (the member logged in), what, on which
object, from which address.

The handler's own transaction has committed by then; the record is appended in a short one of its
own. What that means differs by kind of request:
- Reading (GET, HEAD): the answer leaves only once its record is kept. If the trail cannot be
  written, the request fails (503 when the database is away) and nothing personal was shown
  unrecorded.
- Changing (POST): the change stands whatever happens to its record. If the record cannot be
  written, the change is answered as usual and the failure is logged at error level with the
  whole record (logger "hotline.audit"), so the log keeps what the trail missed. A process that
  dies between the handler's commit and the record's loses the record.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Middleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.trail import AuditRecord, append
from service.audited_routes import rule_for
from staff.web import CURRENT_MEMBER, Handler
from storage.clock import Clock

log = logging.getLogger("hotline.audit")
_READING = frozenset({"GET", "HEAD"})


def audit_middleware(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> Middleware:
    """The middleware; placed after the staff gate, so the member logged in is known."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        rule = rule_for(request)
        if rule is None:
            return response
        done = await rule(request, response)
        member = request.get(CURRENT_MEMBER)
        actor = done.actor if done is not None and done.actor else (member.username if member else None)
        if done is None or actor is None:
            return response
        record = AuditRecord(
            at=clock(),
            actor=actor,
            action=done.action,
            object_type=done.object_type,
            object_id=done.object_id[:80] if done.object_id else None,
            address=request.remote[:64] if request.remote else None,
            detail={key: value for key, value in done.detail.items() if value is not None},
        )
        if request.method in _READING and not response.prepared:
            await _append(sessions, record)  # a failure here fails the request: nothing shown unrecorded
            return response
        try:
            await _append(sessions, record)
        except Exception:
            log.error(
                "staff action done but not recorded in the audit trail",
                exc_info=True,
                extra={"unrecorded": record.__dict__ | {"at": record.at.isoformat()}},
            )
        return response

    return middleware


async def _append(sessions: async_sessionmaker[AsyncSession], record: AuditRecord) -> None:
    async with sessions.begin() as session:
        await append(session, record)
