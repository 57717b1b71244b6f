"""The counsellor's page: take hotline calls on a phone for chosen regions, or stop; get a PIN for
the staff line (shown once) and keep the phones from which it alone suffices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.deployment import Deployment
from config.loader import normalise_number
from staff.profile import phone_of
from staff.web import CURRENT_MEMBER, require_role, see_other
from storage.clock import Clock
from telephony.counsellors.availability import PresenceError, make_available, make_unavailable, presence_of
from telephony.counsellors.dispatch import Dispatcher, waiting_callers
from telephony.counsellors.staff_line import (
    IssuedPin,
    add_staff_line_phone,
    issue_pin,
    remove_staff_line_phone,
    staff_line_phones,
)

_MAX_FIELD = 40


@dataclass(frozen=True)
class PresenceViews:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    clock: Clock
    dispatcher: Dispatcher
    secret: str
    simulated: bool = False  # no Twilio account: rings go to the outbox page

    @require_role("counsellor")
    async def page(self, request: web.Request) -> web.StreamResponse:
        return await self._render(request, notice=_notice(request.query.get("done")))

    @require_role("counsellor")
    async def update(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        form = await request.post()
        action = form.get("action")
        issued: IssuedPin | None = None
        try:
            async with self.sessions.begin() as session:
                if action == "available":
                    phone = _phone(form.get("phone"))
                    allowed = self._regions_for(member.regions)
                    chosen = [r for r in form.getall("region", []) if isinstance(r, str) and r in allowed]
                    await make_available(session, user_id=member.id, phone=phone, regions=chosen, now=self.clock())
                elif action == "unavailable":
                    await make_unavailable(session, user_id=member.id, now=self.clock())
                elif action == "pin":
                    issued = await issue_pin(session, user_id=member.id, secret=self.secret, now=self.clock())
                elif action == "add_phone":
                    phone = _phone(form.get("staff_line_phone"))
                    await add_staff_line_phone(session, user_id=member.id, number=phone, now=self.clock())
                elif action == "remove_phone":
                    number = str(form.get("number", ""))[:_MAX_FIELD]
                    await remove_staff_line_phone(session, user_id=member.id, number=number)
                else:
                    raise PresenceError("Unbekannte Aktion.")
        except PresenceError as exc:
            return await self._render(request, error=str(exc), status=400)
        if issued is not None:
            # Shown in this answer only, never put in a URL or stored: a reload cannot bring it back.
            return await self._render(request, issued=issued)
        if action == "available":
            self.dispatcher.poke()
        return see_other(request.app.router["counsellor"].url_for().with_query(done=str(action)))

    def _regions_for(self, bound: frozenset[str]) -> list[str]:
        return [r.id for r in self.deployment.regions if not bound or r.id in bound]

    async def _render(
        self,
        request: web.Request,
        *,
        notice: str | None = None,
        error: str | None = None,
        issued: IssuedPin | None = None,
        status: int = 200,
    ) -> web.Response:
        member = request[CURRENT_MEMBER]
        async with self.sessions() as session:
            presence = await presence_of(session, member.id)
            own_phone = await phone_of(session, member.id)
            phones = await staff_line_phones(session, member.id)
            waiting = await waiting_callers(session)
        regions = [
            {
                "id": r.id,
                "name": r.name,
                "waiting": waiting.get(r.id, (0, None))[0],
                "chosen": bool(presence and r.id in presence.regions),
            }
            for r in self.deployment.regions
            if r.id in self._regions_for(member.regions)
        ]
        context: dict[str, Any] = {
            "presence": presence,
            "own_phone": own_phone,
            "regions": regions,
            "notice": notice,
            "error": error,
            "max_misses": self.deployment.telephony.counsellor_max_misses,
            "simulated": self.simulated,
            "staff_line_phones": phones,
            "issued": issued,
            "pin_issued_at": (
                presence.pin_issued_at if presence and presence.pin_issued_at and presence.pin_digest else None
            ),
        }
        response = aiohttp_jinja2.render_template("telephony/counsellor.html", request, context, status=status)
        response.headers["Cache-Control"] = "no-store"  # the page may show a new PIN
        return response


NOTICES = {
    "available": "Sie sind jetzt für Anrufe verfügbar.",
    "unavailable": "Sie erhalten keine Anrufe mehr.",
    "add_phone": "Das Telefon ist gespeichert.",
    "remove_phone": "Das Telefon ist entfernt.",
}


def _phone(value: object) -> str:
    phone = normalise_number(str(value or "")[:_MAX_FIELD])
    if phone is None:
        raise PresenceError("Bitte eine gültige Telefonnummer angeben, z. B. 02241 9000 123.")
    return phone


def _notice(done: str | None) -> str | None:
    return NOTICES.get(done or "")
