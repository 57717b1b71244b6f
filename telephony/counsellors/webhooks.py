"""Counsellors' side of the hotline: the ring that bridges them with a waiting caller, and the
staff line where they key in their PIN (after their staff number, unless they call from one of
their own phones) to take the next caller themselves."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from config.deployment import Deployment
from formatting.opening_hours import clock_time
from storage.clock import Clock
from telephony.counsellors.availability import set_unavailable
from telephony.counsellors.dispatch import Dispatcher, waiting_callers
from telephony.counsellors.models import CounsellorPresence
from telephony.counsellors.staff_line import (
    AskForPin,
    AskForStaffNumber,
    Bridge,
    GiveUp,
    NobodyWaiting,
    Refused,
    StaffLineAnswer,
    StaffLineCall,
    Step,
    take_staff_line_call,
)
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
        """Every incoming call: the staff line asks who calls, the hotlines go to `voice`."""
        hook = request[WEBHOOK]
        number = dialled_number(hook.to)
        region = self.deployment.region_for_staff_line(number) if number else None
        if region is None:
            return await self.voice.incoming(request)
        return twiml_response(await self._staff_line(hook, region_id=region.id, step="arrival"))

    front_door.webhook_answer = "caller"  # type: ignore[attr-defined]

    @webhook("counsellor")
    async def staff_pin(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """A staff number or PIN keyed in on the staff line."""
        step: Step = "staff_number" if hook.query_name("step") == "staff_number" else "pin"
        return await self._staff_line(hook, region_id=hook.query_name("region") or "", step=step)

    async def _staff_line(self, hook: Webhook, *, region_id: str, step: Step) -> VoiceResponse:
        call = StaffLineCall(
            region_id=region_id,
            caller=hook.caller_id,
            step=step,
            digits=hook.digits,
            staff_number=hook.query_name("staff"),
            attempt=min(hook.query_int("attempt") or MENU_ATTEMPTS, MENU_ATTEMPTS),
        )
        async with self.sessions.begin() as session:
            answer = await take_staff_line_call(
                session, call, secret=self.secret, now=self.clock(), max_attempts=MENU_ATTEMPTS
            )
        return self._staff_line_answer(region_id, answer)

    def _staff_line_answer(self, region_id: str, answer: StaffLineAnswer) -> VoiceResponse:
        spoken = functools.partial(self.prompts.say, STAFF_LANGUAGE)
        match answer:
            case Refused(until=until):
                time = clock_time(until.astimezone(self.deployment.zone).time(), STAFF_LANGUAGE)
                return goodbye(self.prompts, STAFF_LANGUAGE, lead=[spoken("staff_line_blocked", time=time)])
            case AskForStaffNumber(attempt=attempt, wrong=wrong):
                ask = spoken("staff_number_prompt" if attempt == 1 else "staff_number_again")
                lead = [spoken("staff_number_or_pin_wrong")] if wrong else []
                return self._gather(lead, ask, region=region_id, attempt=attempt, step="staff_number")
            case AskForPin(attempt=attempt, staff_number=staff_number) if staff_number is not None:
                ask = spoken("staff_pin_after_number")
                return self._gather([], ask, region=region_id, attempt=attempt, staff=staff_number)
            case AskForPin(attempt=attempt, wrong=wrong):
                ask = spoken("staff_pin_prompt" if attempt == 1 else "staff_pin_again")
                lead = [spoken("staff_pin_wrong")] if wrong else []
                return self._gather(lead, ask, region=region_id, attempt=attempt)
            case GiveUp(by_staff_number=by_staff_number):
                last = spoken("staff_number_or_pin_wrong" if by_staff_number else "staff_pin_wrong")
                return goodbye(self.prompts, STAFF_LANGUAGE, lead=[last])
            case NobodyWaiting():
                return goodbye(self.prompts, STAFF_LANGUAGE, lead=[spoken("counsellor_queue_empty")])
            case Bridge(region_id=queue):
                return bridge(self.links, queue, spoken("staff_connecting"))

    def _gather(self, lead: list[Spoken], ask: Spoken, **query: object) -> VoiceResponse:
        response = VoiceResponse()
        for line in lead:
            say(response, line)
        gather = Gather(
            finish_on_key="#", num_digits=9, timeout=10, action=self.links.path("twilio-staff-pin", **query)
        )
        say(gather, ask)
        response.append(gather)
        # Nothing keyed in before the timeout: a goodbye, never a silent hang-up.
        say(response, self.prompts.say(STAFF_LANGUAGE, "goodbye"))
        response.hangup()
        return response

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
                        await set_unavailable(session, presence, self.clock())
                        log.info("counsellor set unavailable after missed calls", extra={"user": user})
                else:
                    presence.misses = 0
                presence.updated_at = self.clock()
        self.dispatcher.poke()
        return EMPTY
