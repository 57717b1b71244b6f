"""Records staff actions on the web in the audit trail, in one place: after the handler answered
successfully, by the rules of `service.audited_routes`: who (the member logged in), what, on which
object, from which address (`request.remote`; behind a reverse proxy that must be the client's
address as the proxy forwards it, as for the login throttle).

The handler's own transaction has committed by then; the record is appended in a short one of its
own through `audit.recorder.Recorder`: before the answer leaves when the database answers within
a moment, else late (see there). A process that dies between the handler's commit and the
record's loses the record; everything short of that ends in the trail or, at worst, in the log.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Middleware

from audit.recorder import Recorder
from audit.trail import AuditRecord
from service.audited_routes import rule_for
from staff.web import CURRENT_MEMBER, Handler
from storage.clock import Clock


def audit_middleware(recorder: Recorder, clock: Clock) -> Middleware:
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
        await recorder.record(
            AuditRecord(
                at=clock(),
                actor=actor,
                action=done.action,
                object_type=done.object_type,
                object_id=done.object_id[:80] if done.object_id else None,
                address=request.remote[:64] if request.remote else None,
                detail={key: value for key, value in done.detail.items() if value is not None},
            )
        )
        return response

    return middleware
