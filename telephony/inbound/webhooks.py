"""The voice webhooks: every step of a call on a regional hotline, from ringing to goodbye.

Handlers parse the form, ask `routing` and the slices' service functions, and answer TwiML
built by `telephony.twiml`. None of them ever raises to Twilio: `twilio_answer` turns any
failure into a polite spoken answer built from the deployment file alone.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.twiml.voice_response import VoiceResponse

from callbacks.callback_numbers import callback_refusal
from callbacks.models import Concern
from callbacks.recording_news import recording_news
from callbacks.service import attach_recording_details, leave_voicemail, request_callback
from config.deployment import Deployment, Region
from config.loader import normalise_number
from contacts.pseudonyms import Pseudonymiser
from routing import UnknownNumber, decide, find_region, next_window
from storage.clock import Clock
from telephony.edge.fields import BadWebhook, CallForm, read_call_form
from telephony.edge.responses import twiml_response
from telephony.inbound import twiml
from telephony.inbound.call_log import CallLog, estimate_wait_minutes, recent_answer_wait
from telephony.prompts import PromptBook, Spoken
from telephony.twiml import apology, goodbye, url

log = logging.getLogger("hotline.twilio")
MENU_ATTEMPTS = 3  # the menu is heard once and repeated twice before a polite goodbye

VoiceHandler = Callable[["VoiceWebhooks", web.Request, CallForm], Awaitable[VoiceResponse | str]]


def twilio_answer(handler: VoiceHandler) -> Callable[[VoiceWebhooks, web.Request], Awaitable[web.Response]]:
    """Parse the call form, run the handler, and answer TwiML whatever happens."""

    @functools.wraps(handler)
    async def answer(self: VoiceWebhooks, request: web.Request) -> web.Response:
        try:
            form = await read_call_form(request)
        except BadWebhook as exc:
            log.warning("malformed twilio webhook", extra={"path": request.path, "reason": str(exc)})
            return twiml_response(apology(self.prompts, "de"), status=400)
        try:
            return twiml_response(await handler(self, request, form))
        except UnknownNumber:
            log.warning("call to a number no region owns", extra={"path": request.path, "call": form.call_sid})
            return twiml_response(apology(self.prompts, "de", "unknown_number"))
        except Exception:
            log.exception(
                "voice webhook failed; answering from the deployment file alone", extra={"path": request.path}
            )
            return twiml_response(self.fallback_answer(form.to))

    return answer


@dataclass(frozen=True)
class VoiceWebhooks:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    prompts: PromptBook
    clock: Clock
    pseudonymiser: Pseudonymiser
    calls: CallLog
    on_queued: Callable[[], None] = lambda: None  # rings a counsellor, if one is free

    # --- ringing, language, routing ----------------------------------------------------------

    @twilio_answer
    async def incoming(self, request: web.Request, form: CallForm) -> VoiceResponse | str:
        region = find_region(form.to, self.deployment)
        menu = len(region.languages) > 1
        arrivals = self.calls.arrivals
        if menu and arrivals.accepting:
            # The language menu needs nothing from the database: answer now, log in the next round.
            arrivals.note(call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=self.clock())
        else:
            async with self.sessions.begin() as session:
                await self.calls.open_call(
                    session, call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=self.clock()
                )
        if menu:
            return twiml.language_menu_xml(self.prompts, region)
        return await self._route(form, region, region.default_language)

    @twilio_answer
    async def language(self, request: web.Request, form: CallForm) -> VoiceResponse:
        region = find_region(form.to, self.deployment)
        index = int(form.digits) - 1 if form.digits and form.digits.isdigit() else -1
        language = region.languages[index] if 0 <= index < len(region.languages) else region.default_language
        async with self.sessions.begin() as session:
            call = await self.calls.open_call(
                session, call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=self.clock()
            )
            call.language = language
            await self.calls.event(session, call, "language_chosen", self.clock(), detail={"language": language})
        return await self._route(form, region, language)

    @twilio_answer
    async def route(self, request: web.Request, form: CallForm) -> VoiceResponse:
        region = find_region(form.to, self.deployment)
        return await self._route(form, region, self._language(request, region))

    async def _route(self, form: CallForm, region: Region, language: str) -> VoiceResponse:
        now = self.clock()
        decision = decide(form.to, now, self.deployment)
        if not decision.open:
            return twiml.closed_line(
                self.prompts, decision, language, self.deployment.zone, counselling=self._has_counselling(region)
            )
        async with self.sessions.begin() as session:
            call = await self.calls.open_call(
                session, call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=now
            )
            first_time = call.queued_at is None
            if first_time:
                call.queued_at, call.language = now, language
                await self.calls.event(session, call, "queued", now)
        if first_time:
            self.on_queued()
        return twiml.enqueue(self.prompts, region, language, with_notice=first_time)

    # --- waiting in the queue ----------------------------------------------------------------

    @twilio_answer
    async def queue_wait(self, request: web.Request, form: CallForm) -> VoiceResponse:
        region = find_region(form.to, self.deployment)
        language = self._language(request, region)
        queue_seconds = form.number("QueueTime")
        if queue_seconds >= region.max_queue_wait.total_seconds():
            async with self.sessions.begin() as session:
                await self._choose_in_queue(session, form, region, "max_wait")
            return twiml.leave_queue(self.prompts, language, too_long=True)
        position = max(1, form.number("QueuePosition", 1))
        async with self.sessions.begin() as session:
            recent = await recent_answer_wait(session, region.id, self.clock())
            call = await self.calls.call(session, form.call_sid)
            if call is not None and call.queue_position != position:
                call.queue_position = position  # an abandoned caller's last place is logged
        minutes = estimate_wait_minutes(
            position=position,
            queue_seconds=queue_seconds,
            recent_mean=recent,
            twilio_avg=form.number("AvgQueueTime"),
        )
        return twiml.queue_wait(
            self.prompts,
            language,
            position=position,
            estimate_minutes=minutes,
            telephony=self.deployment.telephony,
        )

    @twilio_answer
    async def queue_key(self, request: web.Request, form: CallForm) -> VoiceResponse:
        region = find_region(form.to, self.deployment)
        choice = {"1": "callback", "2": "voicemail"}.get(form.digits or "")
        if choice is None:
            response = VoiceResponse()
            response.redirect(url("/twilio/queue/wait", lang=self._language(request, region)), method="POST")
            return response
        async with self.sessions.begin() as session:
            await self._choose_in_queue(session, form, region, choice)
        return twiml.leave_queue(self.prompts, self._language(request, region), too_long=False)

    async def _choose_in_queue(self, session: AsyncSession, form: CallForm, region: Region, choice: str) -> None:
        call = await self.calls.open_call(
            session, call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=self.clock()
        )
        call.queue_choice = call.queue_choice or choice

    @twilio_answer
    async def queue_answered(self, request: web.Request, form: CallForm) -> VoiceResponse:
        """Twilio fetches this for the waiting caller right before bridging a counsellor."""
        region = find_region(form.to, self.deployment)
        now = self.clock()
        async with self.sessions.begin() as session:
            call = await self.calls.open_call(
                session, call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=now
            )
            call.answered_at = call.answered_at or now
            await self.calls.event(
                session,
                call,
                "answered",
                now,
                wait_seconds=form.number("QueueTime"),
                detail={"counsellor_call": form.text("DequeingCallSid")},
            )
        return VoiceResponse()

    @twilio_answer
    async def queue_done(self, request: web.Request, form: CallForm) -> VoiceResponse:
        """The <Enqueue> action: the caller left the queue, hung up, or talked to a counsellor."""
        region = find_region(form.to, self.deployment)
        language = self._language(request, region)
        result = form.text("QueueResult") or "error"
        now = self.clock()
        async with self.sessions.begin() as session:
            call = await self.calls.open_call(
                session, call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=now
            )
            wait = form.number("QueueTime")
            if result == "hangup":
                await self.calls.event(
                    session, call, "abandoned", now, wait_seconds=wait, detail={"position": call.queue_position}
                )
                return VoiceResponse()
            if result == "bridged":
                return goodbye(self.prompts, language)
            choice = call.queue_choice if result == "leave" else None
            if choice in ("callback", "voicemail"):
                kind = f"left_queue_for_{choice}"
                await self.calls.event(session, call, kind, now, wait_seconds=wait)
        if choice == "callback":
            return self._offer_callback(form, language, attempt=1)
        if choice == "voicemail":
            return self._voicemail(language)
        lead = [] if choice == "max_wait" else [self.prompts.say(language, "technical_problem")]
        return twiml.closed_menu(
            self.prompts, language, counselling=self._has_counselling(region), attempt=1, lead=lead
        )

    # --- the closed-line menu ----------------------------------------------------------------

    @twilio_answer
    async def closed_choice(self, request: web.Request, form: CallForm) -> VoiceResponse:
        region = find_region(form.to, self.deployment)
        language = self._language(request, region)
        attempt = _attempt(request)
        counselling = self._has_counselling(region)
        choices = {"1": "callback", "2": "voicemail"} | ({"3": "counselling"} if counselling else {})
        choice = choices.get(form.digits or "")
        async with self.sessions.begin() as session:
            call = await self.calls.open_call(
                session, call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=self.clock()
            )
            outcome = choice or ("invalid" if form.digits else "none")
            await self.calls.event(
                session, call, "closed_menu_choice", self.clock(), step=str(attempt), detail={"choice": outcome}
            )
        if choice == "callback":
            return self._offer_callback(form, language, attempt=1)
        if choice == "voicemail":
            return self._voicemail(language)
        if choice == "counselling":
            return self._counselling(region, language)
        if attempt >= MENU_ATTEMPTS:
            return goodbye(self.prompts, language)
        lead = [self.prompts.say(language, "invalid_choice")] if form.digits else []
        return twiml.closed_menu(self.prompts, language, counselling=counselling, attempt=attempt + 1, lead=lead)

    def _counselling(self, region: Region, language: str) -> VoiceResponse:
        window = next_window(region, "counselling", self.clock(), self.deployment)
        if window is None:
            return goodbye(self.prompts, language, lead=[self.prompts.say(language, "counselling_none")])
        start = window[0].astimezone(self.deployment.zone)
        spoken = self.prompts.say(language, "counselling_offer", **self.prompts.spoken_date(language, start))
        return goodbye(self.prompts, language, lead=[spoken])

    # --- callback requests -------------------------------------------------------------------

    def _offer_callback(self, form: CallForm, language: str, attempt: int) -> VoiceResponse:
        if form.caller is None:
            return twiml.ask_callback_number(self.prompts, language, attempt)
        return twiml.confirm_callback_number(self.prompts, language, twiml.spoken_number(form.caller), attempt)

    @twilio_answer
    async def callback_answer(self, request: web.Request, form: CallForm) -> VoiceResponse:
        region = find_region(form.to, self.deployment)
        language, attempt = self._language(request, region), _attempt(request)
        if form.digits == "1" and form.caller is not None:
            return await self._request_callback(form, region, language, form.caller)
        if form.digits == "2" or form.caller is None:
            return twiml.ask_callback_number(self.prompts, language, 1)
        if attempt >= MENU_ATTEMPTS:
            return goodbye(self.prompts, language)
        return self._offer_callback(form, language, attempt + 1)

    @twilio_answer
    async def callback_number(self, request: web.Request, form: CallForm) -> VoiceResponse:
        region = find_region(form.to, self.deployment)
        language, attempt = self._language(request, region), _attempt(request)
        keyed = (form.digits or "").rstrip("#")
        number = normalise_number(keyed) if keyed.isdigit() else None
        if number is not None and callback_refusal(number, self.deployment, foreign_mobiles=True) is None:
            return await self._request_callback(form, region, language, number)
        if attempt >= MENU_ATTEMPTS:
            return goodbye(self.prompts, language, lead=[self.prompts.say(language, "callback_invalid_number")])
        lead = [self.prompts.say(language, "callback_invalid_number")] if keyed else []
        return twiml.ask_callback_number(self.prompts, language, attempt + 1, lead=lead)

    async def _request_callback(self, form: CallForm, region: Region, language: str, number: str) -> VoiceResponse:
        now = self.clock()
        async with self.sessions.begin() as session:
            call = await self.calls.open_call(
                session, call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=now
            )
            concern = await request_callback(
                session,
                deployment=self.deployment,
                region=region,
                number=number,
                language=language,
                now=now,
                pseudonymiser=self.pseudonymiser,
                call_sid=form.call_sid,
                queued_at=call.queued_at,
            )
            call.outcome = "callback"
        # Only now, with the request committed, does the caller hear that it is taken.
        return goodbye(self.prompts, language, lead=[self._confirmation(concern, language)])

    def _confirmation(self, concern: Concern, language: str) -> Spoken:
        due = concern.due_at.astimezone(self.deployment.zone)
        return self.prompts.say(language, "callback_confirmed", **self.prompts.spoken_deadline(language, due))

    # --- voicemail ---------------------------------------------------------------------------

    def _voicemail(self, language: str) -> VoiceResponse:
        return twiml.record_voicemail(
            self.prompts,
            language,
            telephony=self.deployment.telephony,
            retention_days=self.deployment.retention.voicemail_days,
        )

    @twilio_answer
    async def voicemail_done(self, request: web.Request, form: CallForm) -> VoiceResponse:
        region = find_region(form.to, self.deployment)
        language = self._language(request, region)
        recording_sid, recording_url = form.text("RecordingSid"), form.text("RecordingUrl")
        duration = form.number("RecordingDuration")
        if not recording_sid or not recording_url or duration < 1:
            return goodbye(self.prompts, language, lead=[self.prompts.say(language, "voicemail_empty")])
        now = self.clock()
        async with self.sessions.begin() as session:
            call = await self.calls.open_call(
                session, call_sid=form.call_sid, region=region.id, caller=form.caller_id, now=now
            )
            await leave_voicemail(
                session,
                deployment=self.deployment,
                region=region,
                number=form.caller,
                language=language,
                now=now,
                pseudonymiser=self.pseudonymiser,
                call_sid=form.call_sid,
                recording_sid=recording_sid,
                recording_url=recording_url,
                duration_seconds=duration,
                queued_at=call.queued_at,
            )
            news = await recording_news(session, recording_sid)  # callbacks that overtook this one
            if news is not None:
                await attach_recording_details(
                    session,
                    recording_sid=recording_sid,
                    recording_url=news.url,
                    duration_seconds=news.duration_seconds,
                    transcript=news.transcript,
                )
            call.outcome = "voicemail"
        return goodbye(self.prompts, language, lead=[self.prompts.say(language, "voicemail_saved")])

    # --- when the database or the service fails ----------------------------------------------

    async def fallback(self, request: web.Request) -> web.Response:
        """The fallback URL configured in Twilio: answers from the deployment file alone."""
        form = await request.post()
        to = form.get("To")
        return twiml_response(self.fallback_answer(to if isinstance(to, str) else ""))

    def fallback_answer(self, to: str) -> VoiceResponse:
        try:
            region = find_region(to, self.deployment)
        except UnknownNumber:
            return apology(self.prompts, "de", "unknown_number")
        language = region.default_language
        decision = decide(to, self.clock(), self.deployment)
        lead = [self.prompts.say(language, "technical_problem")]
        if not decision.open:
            lead = twiml.closed_reason(self.prompts, decision, language, self.deployment.zone)
        return goodbye(self.prompts, language, lead=lead)

    # --- small helpers -----------------------------------------------------------------------

    def _language(self, request: web.Request, region: Region) -> str:
        chosen = request.query.get("lang", "")
        return chosen if chosen in region.languages else region.default_language

    def _has_counselling(self, region: Region) -> bool:
        counselling = region.hours.get("counselling")
        return counselling is not None and counselling.minutes_per_week > 0


def _attempt(request: web.Request) -> int:
    text = request.query.get("attempt", "1")
    return min(int(text), MENU_ATTEMPTS) if text.isdigit() and text != "0" else 1
