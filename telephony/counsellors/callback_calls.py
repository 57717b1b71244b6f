"""Twilio's side of a callback attempt: the counsellor answers, the customer is dialled with the
region's number as caller ID, and the outcome (reached, busy, no answer, answering machine,
failed) comes back through the <Dial> action, machine detection and status callbacks."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import phonenumbers
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.twiml.voice_response import Dial, VoiceResponse

from callbacks.attempts import (
    DIAL_OUTCOMES,
    AttemptOutcome,
    advance_call_state,
    attempt_could_not_start,
    finish_attempt,
)
from callbacks.models import CallbackAttempt, Concern
from callbacks.ports import CallbackDialer, DialError
from config.deployment import Deployment
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from storage.clock import Clock
from telephony.edge.fields import Webhook
from telephony.edge.links import Links
from telephony.edge.responses import EMPTY
from telephony.edge.webhooks import webhook
from telephony.inbound.call_log import FINAL_STATUSES
from telephony.prompts import PromptBook, Spoken
from telephony.twiml import apology, goodbye, say

log = logging.getLogger("hotline.twilio")
STAFF_LANGUAGE = "de"
MISSED = frozenset({"no-answer", "busy", "failed", "canceled"})
NOT_ANSWERED = "Ihr Telefon hat nicht geantwortet."
HUNG_UP_FIRST = "Sie haben aufgelegt, bevor die Kundin oder der Kunde abgenommen hat."


@dataclass(frozen=True)
class CallbackCallWebhooks:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    prompts: PromptBook
    clock: Clock
    pseudonymiser: Pseudonymiser
    dialer: CallbackDialer
    links: Links

    @webhook("counsellor")
    async def connect(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """The counsellor picked up: dial the customer from the region's hotline number."""
        async with self.sessions.begin() as session:
            found = await self._attempt(session, hook)
            if found is None:
                return apology(self.prompts, STAFF_LANGUAGE)
            attempt, concern = found
            region = self.deployment.region(concern.region)
            gone = attempt.outcome is not None or concern.status == "closed" or not concern.callback_number
            if not gone:
                advance_call_state(attempt, "ringing_customer")  # the concern page shows it live
        if gone or region is None or not concern.callback_number:
            return goodbye(self.prompts, STAFF_LANGUAGE, lead=[self._say("staff_callback_gone")])
        response = VoiceResponse()
        say(response, self._say("staff_callback_intro", reference=concern.reference))
        action = self.links.path("twilio-attempt-dialled", attempt=attempt.id)
        dial = Dial(caller_id=region.numbers[0], timeout=30, action=action)
        dial.number(
            concern.callback_number,
            machine_detection="Enable",
            amd_status_callback=self.links.path("twilio-attempt-amd", attempt=attempt.id),
        )
        response.append(dial)
        return response

    @webhook("counsellor")
    async def dialled(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """The <Dial> to the customer ended: its status is the attempt's outcome."""
        outcome = DIAL_OUTCOMES.get(hook.dial_call_status or "", "failed")
        unreached = await self._finish(hook, outcome, customer_call_sid=hook.dial_call_sid)
        if unreached:
            return goodbye(self.prompts, STAFF_LANGUAGE, lead=[self._say("staff_callback_not_reached")])
        response = VoiceResponse()
        response.hangup()
        return response

    @webhook()
    async def machine(self, request: web.Request, hook: Webhook) -> str:
        """Machine detection: an answering machine picked up, not the customer."""
        answered_by = hook.answered_by or ""
        if answered_by.startswith("machine") or answered_by == "fax":
            await self._finish(hook, "machine", customer_call_sid=hook.call_sid)
        elif answered_by:  # a person (or one detection could not tell from a machine): talking now
            async with self.sessions.begin() as session:
                found = await self._attempt(session, hook)
                if found is not None:
                    advance_call_state(found[0], "connected")
        return EMPTY

    @webhook()
    async def status(self, request: web.Request, hook: Webhook) -> str:
        """The counsellor's leg: if their phone did not answer, the customer was never called."""
        if hook.call_status not in FINAL_STATUSES:
            return EMPTY
        talked = False
        async with self.sessions.begin() as session:
            found = await self._attempt(session, hook)
            if found is not None and found[0].outcome is None:
                # The customer had answered (machine detection said so) and no <Dial> outcome came:
                # they were reached. Otherwise, missed: the customer was never called; completed:
                # the counsellor hung up before the customer answered. Either way the attempt ends
                # here, not counted against the customer, instead of staying open for ever.
                talked = hook.call_status == "completed" and found[0].state == "connected"
                if not talked:
                    error = NOT_ANSWERED if hook.call_status in MISSED else HUNG_UP_FIRST
                    await attempt_could_not_start(session, found[0], error=error, now=self.clock())
        if talked:
            await self._finish(hook, "reached", customer_call_sid=None)
        return EMPTY

    async def _finish(self, hook: Webhook, outcome: AttemptOutcome, customer_call_sid: str | None) -> bool:
        """Record the outcome (once); text the customer if that was the last attempt. True if unreached."""
        async with self.sessions.begin() as session:
            found = await self._attempt(session, hook)
            if found is None:
                return False
            attempt, _ = found
            if customer_call_sid and attempt.customer_call_sid is None:
                attempt.customer_call_sid = customer_call_sid
            result = await finish_attempt(
                session,
                attempt,
                outcome,
                deployment=self.deployment,
                now=self.clock(),
                pseudonymiser=self.pseudonymiser,
            )
            concern = result.concern
        if result.unreachable and concern.callback_number:
            await self._tell_unreachable(concern)
        return outcome != "reached" and not result.repeated

    async def _tell_unreachable(self, concern: Concern) -> None:
        region = self.deployment.region(concern.region)
        if region is None or concern.callback_number is None:
            return
        language = concern.language if concern.language in region.languages else region.default_language
        body = self.prompts.say(
            language,
            "sms_unreachable",
            region=region.name,
            reference=concern.reference,
            number=phonenumbers.format_number(
                phonenumbers.parse(region.numbers[0]), phonenumbers.PhoneNumberFormat.NATIONAL
            ),
        ).text
        try:
            await self.dialer.text(region_id=region.id, to=concern.callback_number, body=body)
        except DialError:
            log.exception("could not text an unreached customer", extra={"concern": concern.reference})
            return
        async with self.sessions.begin() as session:
            await record_contact_event(
                session,
                pseudonymiser=self.pseudonymiser,
                at=self.clock(),
                channel="sms",
                kind="sms_sent",
                region=region.id,
                caller=concern.callback_number,
                reference=f"concern:{concern.reference}",
                detail={"reason": "unreachable"},
                event_id=f"concern:{concern.id}:unreachable_sms",
            )

    async def _attempt(self, session: AsyncSession, hook: Webhook) -> tuple[CallbackAttempt, Concern] | None:
        attempt_id = hook.query_int("attempt")
        attempt = await session.get(CallbackAttempt, attempt_id) if attempt_id is not None else None
        concern = await session.get(Concern, attempt.concern_id) if attempt else None
        if attempt is None or concern is None:
            log.warning("callback attempt webhook for an unknown attempt", extra={"attempt": attempt_id})
            return None
        return attempt, concern

    def _say(self, key: str, **values: object) -> Spoken:
        return self.prompts.say(STAFF_LANGUAGE, key, **values)
