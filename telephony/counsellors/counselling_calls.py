"""Twilio's side of a phone session of counselling: the counsellor answers the call the session
job placed, hears that this is the appointment, and the customer is dialled with the region's
number as caller ID. The call's state (ringing_counsellor → ringing_customer → connected, or
failed) follows Twilio's callbacks, which may come late, twice or out of order."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from twilio.twiml.voice_response import Dial, VoiceResponse

from config.deployment import Deployment
from telephony.counsellors.callback_calls import MISSED, STAFF_LANGUAGE
from telephony.edge.fields import Webhook
from telephony.edge.links import Links
from telephony.edge.responses import EMPTY
from telephony.edge.webhooks import webhook
from telephony.inbound.call_log import FINAL_STATUSES
from telephony.prompts import PromptBook, Spoken
from telephony.twiml import say
from video.service import Counselling

log = logging.getLogger("hotline.twilio")
CUSTOMER_RING_SECONDS = 30
TALKING = frozenset({"completed", "answered", "in-progress"})  # <Dial> outcomes after the customer answered
COUNSELLOR_MISSED = "the counsellor's phone did not answer"
ENDED_BEFORE_CUSTOMER = "the counsellor's call ended before the customer answered"


@dataclass(frozen=True)
class CounsellingCallWebhooks:
    counselling: Counselling
    deployment: Deployment
    prompts: PromptBook
    links: Links

    @webhook("counsellor")
    async def connect(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """The counsellor picked up: dial the customer from the region's hotline number."""
        booking_id = hook.query_int("booking")
        session = await self.counselling.phone_session(booking_id) if booking_id is not None else None
        region = self.deployment.region(session.region) if session is not None else None
        if booking_id is None or session is None or region is None:
            log.warning("phone session call for no open session", extra={"booking": booking_id})
            return self._tell_and_hang_up("staff_session_gone")
        await self.counselling.note_session_call(
            booking_id, state="ringing_customer", counsellor_call_sid=hook.call_sid
        )
        response = VoiceResponse()
        say(response, self._say("staff_session_intro"))
        dial = Dial(
            caller_id=region.numbers[0],
            timeout=CUSTOMER_RING_SECONDS,
            action=self.links.path("twilio-session-dialled", booking=booking_id),
        )
        dial.number(
            session.customer_phone,
            status_callback=self.links.path("twilio-session-customer", booking=booking_id),
            status_callback_event="answered",
        )
        response.append(dial)
        return response

    @webhook()
    async def customer(self, request: web.Request, hook: Webhook) -> str:
        """The customer's leg: answered means the two are talking."""
        booking_id = hook.query_int("booking")
        if booking_id is not None and hook.call_status == "in-progress":
            await self.counselling.note_session_call(booking_id, state="connected", customer_call_sid=hook.call_sid)
        return EMPTY

    @webhook("counsellor")
    async def dialled(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """The <Dial> to the customer ended: talked (connected, if the answer's callback was
        lost) or not reached, which the counsellor hears before the goodbye."""
        booking_id = hook.query_int("booking")
        status = hook.dial_call_status or "failed"
        talked = status in TALKING
        if booking_id is not None:
            await self.counselling.note_session_call(
                booking_id,
                state="connected" if talked else "failed",
                customer_call_sid=hook.dial_call_sid,
                error=None if talked else f"customer: {status}",
            )
        if talked:
            response = VoiceResponse()
            response.hangup()
            return response
        return self._tell_and_hang_up("staff_session_not_reached")

    @webhook()
    async def status(self, request: web.Request, hook: Webhook) -> str:
        """The counsellor's leg ended: if it never reached the customer, the session failed (a
        connected session stays connected: the state only moves forward)."""
        booking_id = hook.query_int("booking")
        if booking_id is None or hook.call_status not in FINAL_STATUSES:
            return EMPTY
        error = COUNSELLOR_MISSED if hook.call_status in MISSED else ENDED_BEFORE_CUSTOMER
        await self.counselling.note_session_call(
            booking_id, state="failed", counsellor_call_sid=hook.call_sid, error=error
        )
        return EMPTY

    def _say(self, key: str, **values: object) -> Spoken:
        return self.prompts.say(STAFF_LANGUAGE, key, **values)

    def _tell_and_hang_up(self, key: str) -> VoiceResponse:
        """A word for the counsellor and the end of the call (no caller's thank-you for calling)."""
        response = VoiceResponse()
        say(response, self._say(key))
        response.hangup()
        return response
