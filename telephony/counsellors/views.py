"""The counsellor's page: take hotline calls on a phone for chosen regions, or stop; set a PIN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.deployment import Deployment
from config.loader import normalise_number
from staff.web import CURRENT_MEMBER, require_role, see_other
from storage.clock import Clock
from telephony.counsellors.availability import PresenceError, make_available, make_unavailable, presence_of, set_pin
from telephony.counsellors.dispatch import Dispatcher, waiting_callers

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
        try:
            async with self.sessions.begin() as session:
                if action == "available":
                    phone = normalise_number(str(form.get("phone", ""))[:_MAX_FIELD])
                    if phone is None:
                        raise PresenceError("Bitte eine gültige Telefonnummer angeben, z. B. 02241 9000 123.")
                    allowed = self._regions_for(member.regions)
                    chosen = [r for r in form.getall("region", []) if isinstance(r, str) and r in allowed]
                    await make_available(session, user_id=member.id, phone=phone, regions=chosen, now=self.clock())
                elif action == "unavailable":
                    await make_unavailable(session, user_id=member.id, now=self.clock())
                elif action == "pin":
                    pin, repeat = str(form.get("pin", ""))[:_MAX_FIELD], str(form.get("pin_repeat", ""))[:_MAX_FIELD]
                    if pin != repeat:
                        raise PresenceError("Die beiden PIN-Eingaben stimmen nicht überein.")
                    await set_pin(session, user_id=member.id, pin=pin, secret=self.secret, now=self.clock())
                else:
                    raise PresenceError("Unbekannte Aktion.")
        except PresenceError as exc:
            return await self._render(request, error=str(exc), status=400)
        if action == "available":
            self.dispatcher.poke()
        return see_other(f"/counsellor?done={action}")

    def _regions_for(self, bound: frozenset[str]) -> list[str]:
        return [r.id for r in self.deployment.regions if not bound or r.id in bound]

    async def _render(
        self, request: web.Request, *, notice: str | None = None, error: str | None = None, status: int = 200
    ) -> web.Response:
        member = request[CURRENT_MEMBER]
        async with self.sessions() as session:
            presence = await presence_of(session, member.id)
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
            "regions": regions,
            "notice": notice,
            "error": error,
            "max_misses": self.deployment.telephony.counsellor_max_misses,
            "simulated": self.simulated,
        }
        return aiohttp_jinja2.render_template("telephony/counsellor.html", request, context, status=status)


NOTICES = {
    "available": "Sie sind jetzt für Anrufe verfügbar.",
    "unavailable": "Sie erhalten keine Anrufe mehr.",
    "pin": "Ihre PIN für die Staff-Line ist gespeichert.",
}


def _notice(done: str | None) -> str | None:
    return NOTICES.get(done or "")
