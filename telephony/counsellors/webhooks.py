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
from telephony import twiml
from telephony.counsellors.availability import counsellor_by_pin
from telephony.counsellors.dispatch import Dispatcher, waiting_callers
from telephony.counsellors.models import CounsellorPresence
from telephony.edge.fields import BadWebhook, dialled_number, read_call_form
from telephony.edge.responses import twiml_response
from telephony.inbound.call_log import FINAL_STATUSES
from telephony.inbound.webhooks import MENU_ATTEMPTS, VoiceWebhooks
from telephony.prompts import PromptBook, Spoken

log = logging.getLogger("hotline.twilio")
STAFF_LANGUAGE = "de"
MISSED = frozenset({"no-answer", "busy", "failed", "canceled"})


def bridge(region_id: str, lead: Spoken) -> VoiceResponse:
    """Connect this (counsellor's) leg with the longest-waiting caller of the region's queue."""
    response = VoiceResponse()
    twiml.say(response, lead)
    dial = Dial()
    dial.queue(region_id, url=twiml.url("/twilio/queue/answered"), method="POST")
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

    async def front_door(self, request: web.Request) -> web.Response:
        """Every incoming call: the staff line asks for a PIN, the hotlines go to `voice`."""
        number = dialled_number((await request.post()).get("To"))
        region = self.deployment.region_for_staff_line(number) if number else None
        if region is None:
            return await self.voice.incoming(request)
        return twiml_response(self._ask_pin(region.id, attempt=1))

    def _ask_pin(self, region_id: str, attempt: int, wrong: bool = False) -> VoiceResponse:
        response = VoiceResponse()
        if wrong:
            twiml.say(response, self.prompts.say(STAFF_LANGUAGE, "staff_pin_wrong"))
        gather = Gather(
            finish_on_key="#",
            num_digits=9,
            timeout=10,
            action=twiml.url("/twilio/staff/pin", region=region_id, attempt=attempt),
        )
        twiml.say(gather, self.prompts.say(STAFF_LANGUAGE, "staff_pin_prompt"))
        response.append(gather)
        response.hangup()
        return response

    async def staff_pin(self, request: web.Request) -> web.Response:
        try:
            form = await read_call_form(request)
        except BadWebhook:
            return twiml_response(twiml.apology(self.prompts, STAFF_LANGUAGE), status=400)
        region_id = request.query.get("region", "")
        attempt = int(request.query["attempt"]) if request.query.get("attempt", "").isdigit() else MENU_ATTEMPTS
        async with self.sessions() as session:
            presence = await counsellor_by_pin(session, pin=(form.digits or "").rstrip("#"), secret=self.secret)
            waiting = await waiting_callers(session)
        if presence is None:
            log.warning("wrong PIN on the staff line", extra={"region": region_id, "attempt": attempt})
            if attempt >= MENU_ATTEMPTS:
                return twiml_response(
                    twiml.goodbye(
                        self.prompts, STAFF_LANGUAGE, lead=[self.prompts.say(STAFF_LANGUAGE, "staff_pin_wrong")]
                    )
                )
            return twiml_response(self._ask_pin(region_id, attempt + 1, wrong=True))
        regions = [r for r in (presence.regions or [region_id]) if r in waiting]
        if not regions:
            return twiml_response(
                twiml.goodbye(
                    self.prompts, STAFF_LANGUAGE, lead=[self.prompts.say(STAFF_LANGUAGE, "counsellor_queue_empty")]
                )
            )
        oldest = min(regions, key=lambda r: waiting[r][1])
        return twiml_response(bridge(oldest, self.prompts.say(STAFF_LANGUAGE, "staff_connecting")))

    async def connect(self, request: web.Request) -> web.Response:
        """The counsellor answered the ring: bridge, unless the caller has gone meanwhile."""
        region_id = request.query.get("region", "")
        async with self.sessions() as session:
            waiting = await waiting_callers(session)
        if region_id not in waiting:
            return twiml_response(
                twiml.goodbye(
                    self.prompts, STAFF_LANGUAGE, lead=[self.prompts.say(STAFF_LANGUAGE, "counsellor_queue_empty")]
                )
            )
        region = self.deployment.region(region_id)
        name = region.name if region else region_id
        return twiml_response(bridge(region_id, self.prompts.say(STAFF_LANGUAGE, "counsellor_connecting", region=name)))

    async def status(self, request: web.Request) -> web.Response:
        """The ring's progress: a miss counts, too many misses make the counsellor unavailable."""
        form = await request.post()
        status, call_sid = form.get("CallStatus"), form.get("CallSid")
        user = request.query.get("user", "")
        if not user.isdigit() or not isinstance(status, str):
            return web.Response(status=400, text="user or CallStatus missing")
        if status not in FINAL_STATUSES:
            return twiml_response(VoiceResponse())
        async with self.sessions.begin() as session:
            presence = await session.get(CounsellorPresence, int(user))
            # Only news of the call we are waiting for counts; a stray or late one changes nothing.
            if presence is not None and call_sid and presence.busy_call_sid == call_sid:
                presence.busy_call_sid, presence.ring_region = None, None
                if status in MISSED:
                    presence.misses += 1
                    if presence.misses >= self.deployment.telephony.counsellor_max_misses:
                        presence.available = False
                        log.info("counsellor set unavailable after missed calls", extra={"user": int(user)})
                else:
                    presence.misses = 0
                presence.updated_at = self.clock()
        self.dispatcher.poke()
        return twiml_response(VoiceResponse())
