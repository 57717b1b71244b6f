"""Counsellors' side of the hotline: the ring that bridges them with a waiting caller, and the
staff line where they key in a PIN to take the next caller themselves."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from config.deployment import Deployment
from storage.clock import Clock
from telephony.counsellors.availability import counsellor_by_pin
from telephony.counsellors.dispatch import Dispatcher, waiting_callers
from telephony.counsellors.models import CounsellorPresence
from telephony.edge.fields import Webhook, dialled_number
from telephony.edge.links import Links
from telephony.edge.responses import EMPTY, twiml_response
from telephony.edge.webhooks import WEBHOOK, webhook
from telephony.inbound.call_log import FINAL_STATUSES
from telephony.inbound.webhooks import MENU_ATTEMPTS, VoiceWebhooks
from telephony.prompts import PromptBook, Spoken
from telephony.twiml import goodbye, say

log = logging.getLogger("hotline.twilio")
STAFF_LANGUAGE = "de"
MISSED = frozenset({"no-answer", "busy", "failed", "canceled"})


def bridge(links: Links, region_id: str, lead: Spoken) -> VoiceResponse:
    """Connect this (counsellor's) leg with the longest-waiting caller of the region's queue."""
    response = VoiceResponse()
    say(response, lead)
    dial = Dial()
    dial.queue(region_id, url=links.path("twilio-queue-answered"), method="POST")
    response.append(dial)
    response.hangup()
    return response


@dataclass(frozen=True)
class CounsellorWebhooks:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    prompts: PromptBook
    clock: Clock
    dispatcher: Dispatcher
    voice: VoiceWebhooks
    secret: str
    links: Links

    async def front_door(self, request: web.Request) -> web.StreamResponse:
        """Every incoming call: the staff line asks for a PIN, the hotlines go to `voice`."""
        number = dialled_number(request[WEBHOOK].to)
        region = self.deployment.region_for_staff_line(number) if number else None
        if region is None:
            return await self.voice.incoming(request)
        return twiml_response(self._ask_pin(region.id, attempt=1))

    front_door.webhook_answer = "caller"  # type: ignore[attr-defined]

    def _ask_pin(self, region_id: str, attempt: int, wrong: bool = False) -> VoiceResponse:
        response = VoiceResponse()
        if wrong:
            say(response, self.prompts.say(STAFF_LANGUAGE, "staff_pin_wrong"))
        gather = Gather(
            finish_on_key="#",
            num_digits=9,
            timeout=10,
            action=self.links.path("twilio-staff-pin", region=region_id, attempt=attempt),
        )
        say(gather, self.prompts.say(STAFF_LANGUAGE, "staff_pin_prompt"))
        response.append(gather)
        response.hangup()
        return response

    @webhook("counsellor")
    async def staff_pin(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        region_id = hook.query_name("region") or ""
        attempt = min(hook.query_int("attempt") or MENU_ATTEMPTS, MENU_ATTEMPTS)
        async with self.sessions() as session:
            presence = await counsellor_by_pin(session, pin=(hook.digits or "").rstrip("#"), secret=self.secret)
            waiting = await waiting_callers(session)
        if presence is None:
            log.warning("wrong PIN on the staff line", extra={"region": region_id, "attempt": attempt})
            if attempt >= MENU_ATTEMPTS:
                return goodbye(self.prompts, STAFF_LANGUAGE, lead=[self.prompts.say(STAFF_LANGUAGE, "staff_pin_wrong")])
            return self._ask_pin(region_id, attempt + 1, wrong=True)
        regions = [r for r in (presence.regions or [region_id]) if r in waiting]
        if not regions:
            return goodbye(
                self.prompts, STAFF_LANGUAGE, lead=[self.prompts.say(STAFF_LANGUAGE, "counsellor_queue_empty")]
            )
        oldest = min(regions, key=lambda r: waiting[r][1])
        return bridge(self.links, oldest, self.prompts.say(STAFF_LANGUAGE, "staff_connecting"))

    @webhook("counsellor")
    async def connect(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """The counsellor answered the ring: bridge, unless the caller has gone meanwhile."""
        region_id = hook.query_name("region") or ""
        async with self.sessions() as session:
            waiting = await waiting_callers(session)
        region = self.deployment.region(region_id)
        if region is None or region_id not in waiting:
            return goodbye(
                self.prompts, STAFF_LANGUAGE, lead=[self.prompts.say(STAFF_LANGUAGE, "counsellor_queue_empty")]
            )
        lead = self.prompts.say(STAFF_LANGUAGE, "counsellor_connecting", region=region.name)
        return bridge(self.links, region_id, lead)

    @webhook()
    async def status(self, request: web.Request, hook: Webhook) -> str:
        """The ring's progress: a miss counts, too many misses make the counsellor unavailable."""
        user, status, call_sid = hook.query_int("user"), hook.call_status, hook.call_sid
        if user is None or status not in FINAL_STATUSES:
            return EMPTY
        async with self.sessions.begin() as session:
            presence = await session.get(CounsellorPresence, user)
            # Only news of the call we are waiting for counts; a stray or late one changes nothing.
            if presence is not None and call_sid and presence.busy_call_sid == call_sid:
                presence.busy_call_sid, presence.ring_region = None, None
                if status in MISSED:
                    presence.misses += 1
                    if presence.misses >= self.deployment.telephony.counsellor_max_misses:
                        presence.available = False
                        log.info("counsellor set unavailable after missed calls", extra={"user": user})
                else:
                    presence.misses = 0
                presence.updated_at = self.clock()
        self.dispatcher.poke()
        return EMPTY
