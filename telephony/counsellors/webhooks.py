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
from storage.clock import Clock
from telephony import twiml
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
        """Every incoming call: the staff line asks who calls, the hotlines go to `voice`."""
        number = dialled_number((await request.post()).get("To"))
        region = self.deployment.region_for_staff_line(number) if number else None
        if region is None:
            return await self.voice.incoming(request)
        return await self._staff_line(request, region_id=region.id, step="arrival")

    async def staff_pin(self, request: web.Request) -> web.Response:
        """A staff number or PIN keyed in on the staff line."""
        step: Step = "staff_number" if request.query.get("step") == "staff_number" else "pin"
        return await self._staff_line(request, region_id=request.query.get("region", ""), step=step)

    async def _staff_line(self, request: web.Request, *, region_id: str, step: Step) -> web.Response:
        try:
            form = await read_call_form(request)
        except BadWebhook:
            return twiml_response(twiml.apology(self.prompts, STAFF_LANGUAGE), status=400)
        query = request.query
        call = StaffLineCall(
            region_id=region_id,
            caller=form.caller_id,
            step=step,
            digits=form.digits,
            staff_number=query.get("staff") or None,
            attempt=int(query["attempt"]) if query.get("attempt", "").isdigit() else MENU_ATTEMPTS,
        )
        async with self.sessions.begin() as session:
            answer = await take_staff_line_call(
                session, call, secret=self.secret, now=self.clock(), max_attempts=MENU_ATTEMPTS
            )
        return twiml_response(self._staff_line_answer(region_id, answer))

    def _staff_line_answer(self, region_id: str, answer: StaffLineAnswer) -> VoiceResponse:
        say = functools.partial(self.prompts.say, STAFF_LANGUAGE)
        match answer:
            case Refused(until=until):
                time = self.prompts.spoken_date(STAFF_LANGUAGE, until.astimezone(self.deployment.zone))["time"]
                return twiml.goodbye(self.prompts, STAFF_LANGUAGE, lead=[say("staff_line_blocked", time=time)])
            case AskForStaffNumber(attempt=attempt, wrong=wrong):
                ask = say("staff_number_prompt" if attempt == 1 else "staff_number_again")
                lead = [say("staff_number_or_pin_wrong")] if wrong else []
                return self._gather(lead, ask, region=region_id, attempt=attempt, step="staff_number")
            case AskForPin(attempt=attempt, staff_number=staff_number) if staff_number is not None:
                ask = say("staff_pin_after_number")
                return self._gather([], ask, region=region_id, attempt=attempt, staff=staff_number)
            case AskForPin(attempt=attempt, wrong=wrong):
                ask = say("staff_pin_prompt" if attempt == 1 else "staff_pin_again")
                lead = [say("staff_pin_wrong")] if wrong else []
                return self._gather(lead, ask, region=region_id, attempt=attempt)
            case GiveUp(by_staff_number=by_staff_number):
                last = say("staff_number_or_pin_wrong" if by_staff_number else "staff_pin_wrong")
                return twiml.goodbye(self.prompts, STAFF_LANGUAGE, lead=[last])
            case NobodyWaiting():
                return twiml.goodbye(self.prompts, STAFF_LANGUAGE, lead=[say("counsellor_queue_empty")])
            case Bridge(region_id=queue):
                return bridge(queue, say("staff_connecting"))

    def _gather(self, lead: list[Spoken], ask: Spoken, **query: object) -> VoiceResponse:
        response = VoiceResponse()
        for spoken in lead:
            twiml.say(response, spoken)
        gather = Gather(finish_on_key="#", num_digits=9, timeout=10, action=twiml.url("/twilio/staff/pin", **query))
        twiml.say(gather, ask)
        response.append(gather)
        # Nothing keyed in before the timeout: a goodbye, never a silent hang-up.
        twiml.say(response, self.prompts.say(STAFF_LANGUAGE, "goodbye"))
        response.hangup()
        return response

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
