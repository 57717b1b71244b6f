"""The voice webhooks: every step of a call on a regional hotline, from ringing to goodbye.

What happens when a caller presses a key is read here top to bottom: the language menu, the
queue, the closed-line menu (1 callback, 2 voicemail, 3 counselling), the callback number and the
voicemail. Handlers take the typed `Webhook` the edge parsed, ask `routing` and the slices' service
functions, and answer TwiML built by `telephony.inbound.twiml`. None of them answers Twilio on
failure: the edge (`telephony.edge.webhooks`) then plays `fallback_answer`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
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
from contacts.service import contact_event_row, record_contact_event, record_contact_events
from formatting import opening_hours
from routing import UnknownNumber, decide, find_region, next_window
from storage.clock import Clock
from telephony.edge.fields import Webhook
from telephony.edge.links import Links
from telephony.edge.webhooks import MalformedWebhook, webhook
from telephony.inbound import twiml
from telephony.inbound.call_log import CallLog, estimate_wait_minutes, recent_answer_wait
from telephony.inbound.models import Call
from telephony.outbound.texts import TextMessages, takes_text_messages
from telephony.prompts import PromptBook, Spoken
from telephony.twiml import apology, goodbye
from video.errors import CounsellingRefused
from video.service import Counselling

log = logging.getLogger("hotline.twilio")
MENU_ATTEMPTS = 3  # the menu is heard once and repeated twice before a polite goodbye


@dataclass(frozen=True)
class CallStep:
    """The call a webhook belongs to: its SID and region, and the caller's language."""

    call_sid: str
    region: Region
    language: str


@dataclass(frozen=True)
class VoiceWebhooks:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    prompts: PromptBook
    clock: Clock
    pseudonymiser: Pseudonymiser
    calls: CallLog
    links: Links
    on_queued: Callable[[], None] = lambda: None  # rings a counsellor, if one is free
    texts: TextMessages | None = None  # sends the reference by SMS; None sends none
    counselling: Counselling | None = None  # sends booking links by SMS; None: callers book on a callback

    # --- ringing, language, routing ----------------------------------------------------------

    @webhook("caller")
    async def incoming(self, request: web.Request, hook: Webhook) -> VoiceResponse | str:
        step = self._step(hook)
        menu = len(step.region.languages) > 1
        arrivals = self.calls.arrivals
        if menu and arrivals.accepting:
            # The language menu needs nothing from the database: answer now, log in the next round.
            arrivals.note(call_sid=step.call_sid, region=step.region.id, caller=hook.caller_id, now=self.clock())
        else:
            async with self.sessions.begin() as session:
                await self._open(session, step, hook)
        if menu:
            return twiml.language_menu_xml(self.links, self.prompts, step.region)
        return await self._route(step, hook)

    @webhook("caller")
    async def language(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        step = self._step(hook)
        languages = step.region.languages
        index = int(hook.digits) - 1 if hook.digits and hook.digits.isdigit() and len(hook.digits) < 3 else -1
        language = languages[index] if 0 <= index < len(languages) else step.region.default_language
        step = CallStep(step.call_sid, step.region, language)
        async with self.sessions.begin() as session:
            call = await self._open(session, step, hook)
            call.language = language
            await self.calls.event(session, call, "language_chosen", self.clock(), detail={"language": language})
        return await self._route(step, hook)

    @webhook("caller")
    async def route(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        return await self._route(self._step(hook), hook)

    async def _route(self, step: CallStep, hook: Webhook) -> VoiceResponse:
        now = self.clock()
        decision = decide(step.region.numbers[0], now, self.deployment)
        if not decision.open:
            await self._log_closed(step, now, decision.reason)
            return twiml.closed_line(
                self.links,
                self.prompts,
                decision,
                step.language,
                self.deployment.zone,
                now=now,
                counselling=offers_counselling(step.region),
                video=self.deployment.video.configured,
            )
        async with self.sessions.begin() as session:
            call = await self._open(session, step, hook)
            first_time = call.queued_at is None
            if first_time:
                call.queued_at, call.language = now, step.language
                await self.calls.event(session, call, "queued", now)
        if first_time:
            self.on_queued()
        return twiml.enqueue(self.links, self.prompts, step.region, step.language, with_notice=first_time)

    async def _log_closed(self, step: CallStep, now: dt.datetime, reason: str | None) -> None:
        """Planners count the demand outside the hours. The caller does not wait for it: the
        step goes with the next round of arrivals, and a log that cannot be written costs the
        caller nothing."""
        event = contact_event_row(
            at=now,
            channel="phone",
            kind="closed_line",
            region=step.region.id,
            reference=step.call_sid,
            detail={"reason": reason},
            event_id=f"{step.call_sid}:closed_line",
        )
        if self.calls.arrivals.note_step(event):
            return
        try:
            async with self.sessions.begin() as session:
                await record_contact_events(session, [event])
        except Exception:
            log.warning("closed-line call not logged", extra={"call_sid": step.call_sid}, exc_info=True)

    # --- waiting in the queue ----------------------------------------------------------------

    @webhook("caller")
    async def queue_wait(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        step = self._step(hook)
        queue_seconds = hook.queue_time or 0
        if queue_seconds >= step.region.max_queue_wait.total_seconds():
            async with self.sessions.begin() as session:
                await self._choose_in_queue(session, step, hook, "max_wait")
            return twiml.leave_queue(self.prompts, step.language, too_long=True)
        position = max(1, hook.queue_position or 1)
        async with self.sessions.begin() as session:
            recent = await recent_answer_wait(session, step.region.id, self.clock())
            call = await self.calls.call(session, step.call_sid)
            if call is not None and call.queue_position != position:
                call.queue_position = position  # an abandoned caller's last place is logged
        minutes = estimate_wait_minutes(
            position=position,
            queue_seconds=queue_seconds,
            recent_mean=recent,
            twilio_avg=hook.avg_queue_time or 0,
        )
        return twiml.queue_wait(
            self.links,
            self.prompts,
            step.language,
            position=position,
            estimate_minutes=minutes,
            telephony=self.deployment.telephony,
        )

    @webhook("caller")
    async def queue_key(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        step = self._step(hook)
        choice = {"1": "callback", "2": "voicemail"}.get(hook.digits or "")
        if choice is None:
            response = VoiceResponse()
            response.redirect(self.links.path("twilio-queue-wait", lang=step.language), method="POST")
            return response
        async with self.sessions.begin() as session:
            await self._choose_in_queue(session, step, hook, choice)
        return twiml.leave_queue(self.prompts, step.language, too_long=False)

    async def _choose_in_queue(self, session: AsyncSession, step: CallStep, hook: Webhook, choice: str) -> None:
        call = await self._open(session, step, hook)
        call.queue_choice = call.queue_choice or choice

    @webhook("caller")
    async def queue_answered(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """Twilio fetches this for the waiting caller right before bridging a counsellor."""
        step = self._step(hook)
        now = self.clock()
        async with self.sessions.begin() as session:
            call = await self._open(session, step, hook)
            call.answered_at = call.answered_at or now
            await self.calls.event(
                session,
                call,
                "answered",
                now,
                wait_seconds=hook.queue_time or 0,
                detail={"counsellor_call": hook.dequeuing_call_sid},
            )
        return VoiceResponse()

    @webhook("caller")
    async def queue_done(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """The <Enqueue> action: the caller left the queue, hung up, or talked to a counsellor."""
        step = self._step(hook)
        result = hook.queue_result or "error"
        now = self.clock()
        async with self.sessions.begin() as session:
            call = await self._open(session, step, hook)
            wait = hook.queue_time or 0
            if result == "hangup":
                await self.calls.event(
                    session, call, "abandoned", now, wait_seconds=wait, detail={"position": call.queue_position}
                )
                return VoiceResponse()
            if result == "bridged":
                return goodbye(self.prompts, step.language)
            choice = call.queue_choice if result == "leave" else None
            if choice in ("callback", "voicemail"):
                await self.calls.event(session, call, f"left_queue_for_{choice}", now, wait_seconds=wait)
        if choice == "callback":
            return self._offer_callback(step, hook, attempt=1)
        if choice == "voicemail":
            return self._voicemail(step.language)
        lead = [] if choice == "max_wait" else [self.prompts.say(step.language, "technical_problem")]
        return twiml.closed_menu(
            self.links,
            self.prompts,
            step.language,
            counselling=offers_counselling(step.region),
            video=self.deployment.video.configured,
            attempt=1,
            lead=lead,
        )

    # --- the closed-line menu ----------------------------------------------------------------

    @webhook("caller")
    async def closed_choice(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        step = self._step(hook)
        attempt = _attempt(hook)
        counselling = offers_counselling(step.region)
        choices = {"1": "callback", "2": "voicemail"} | ({"3": "counselling"} if counselling else {})
        choice = choices.get(hook.digits or "")
        async with self.sessions.begin() as session:
            call = await self._open(session, step, hook)
            outcome = choice or ("invalid" if hook.digits else "none")
            await self.calls.event(
                session, call, "closed_menu_choice", self.clock(), step=str(attempt), detail={"choice": outcome}
            )
        if choice == "callback":
            return self._offer_callback(step, hook, attempt=1)
        if choice == "voicemail":
            return self._voicemail(step.language)
        if choice == "counselling":
            return await self._counselling(step, hook)
        if attempt >= MENU_ATTEMPTS:
            return goodbye(self.prompts, step.language, lead=self._where_to_turn(step))
        lead = [self.prompts.say(step.language, "invalid_choice")] if hook.digits else []
        return twiml.closed_menu(
            self.links,
            self.prompts,
            step.language,
            counselling=counselling,
            video=self.deployment.video.configured,
            attempt=attempt + 1,
            lead=lead,
        )

    def _where_to_turn(self, step: CallStep) -> list[Spoken]:
        """For a caller the menu lost: the region's telephone hours and the web address."""
        language = step.language
        lead = []
        hours = opening_hours.weekly_hours(step.region.hours["hotline"].local_times(), language)
        if hours is not None:
            lead.append(self.prompts.say(language, "hours_summary", hours=hours))
        if self.deployment.website:
            lead.append(self.prompts.say(language, "website", website=self.deployment.website))
        return lead

    async def _counselling(self, step: CallStep, hook: Webhook) -> VoiceResponse:
        """The counselling hours, then the way to an appointment: a caller on a mobile gets a
        booking link by SMS and a goodbye (the link is the answer: a menu read out again would
        only keep them on the line); any other caller hears the web address and the menu, to
        book on a callback."""
        language = step.language
        if next_window(step.region, "counselling", self.clock(), self.deployment) is None:
            lead = [self.prompts.say(language, "counselling_none")]
            return twiml.closed_menu(self.links, self.prompts, language, counselling=False, attempt=1, lead=lead)
        hours = opening_hours.weekly_hours(step.region.hours["counselling"].local_times(), language)
        key = "counselling_hours" if self.deployment.video.configured else "counselling_hours_phone"
        lead = [self.prompts.say(language, key, hours=hours)] if hours else []
        if await self._send_booking_link(step, hook):
            # Said only now: the invitation is committed, and its SMS is on its way.
            return goodbye(self.prompts, language, lead=[*lead, self.prompts.say(language, "counselling_link_sent")])
        if self.deployment.website:
            lead.append(self.prompts.say(language, "counselling_website", website=self.deployment.website))
        lead.append(self.prompts.say(language, "counselling_booking"))
        return twiml.closed_menu(self.links, self.prompts, language, counselling=False, attempt=1, lead=lead)

    async def _send_booking_link(self, step: CallStep, hook: Webhook) -> bool:
        """Invite a caller on a mobile to book; False (and the caller books on a callback) for
        any other number, or if the invitation could not be made. A webhook Twilio retries
        finds the invitation of the first delivery and sends nothing again."""
        caller = hook.caller
        if self.counselling is None or caller is None or not takes_text_messages(caller):
            return False
        try:
            await self.counselling.invite(
                region_id=step.region.id,
                number=caller,
                language=step.language,
                source="closed_line",
                source_key=f"{step.call_sid}:counselling",
            )
        except CounsellingRefused as refused:
            log.warning("no booking link for a caller", extra={"call_sid": step.call_sid, "reason": refused.code})
            return False
        except Exception:  # the database or the link's page: the caller still hears a way to book
            log.exception("no booking link for a caller", extra={"call_sid": step.call_sid})
            return False
        return True

    # --- callback requests -------------------------------------------------------------------

    def _offer_callback(self, step: CallStep, hook: Webhook, attempt: int) -> VoiceResponse:
        """The number to call back, confirmed or keyed in; first (before any number is stored)
        what happens to it."""
        language = step.language
        days = self.deployment.retention.concern_days
        lead = [self.prompts.say(language, "callback_privacy", days=days)] if attempt == 1 else []
        caller = self._callable(hook)
        if caller is None:
            return twiml.ask_callback_number(self.links, self.prompts, language, attempt, lead=lead)
        spoken = twiml.spoken_number(caller)
        return twiml.confirm_callback_number(self.links, self.prompts, language, spoken, attempt, lead=lead)

    def _callable(self, hook: Webhook) -> str | None:
        """The caller's own number if the job centre calls it back (not withheld, not a foreign
        landline, a service number or one of ours); else the caller keys one in."""
        caller = hook.caller
        if caller is None or callback_refusal(caller, self.deployment, foreign_mobiles=True) is not None:
            return None
        return caller

    @webhook("caller")
    async def callback_answer(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        step, attempt = self._step(hook), _attempt(hook)
        caller = self._callable(hook)
        if hook.digits == "1" and caller is not None:
            return await self._request_callback(step, hook, caller)
        if hook.digits == "2" or caller is None:
            return twiml.ask_callback_number(self.links, self.prompts, step.language, 1)
        if attempt >= MENU_ATTEMPTS:
            return goodbye(self.prompts, step.language)
        return self._offer_callback(step, hook, attempt + 1)

    @webhook("caller")
    async def callback_number(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        step, attempt = self._step(hook), _attempt(hook)
        language = step.language
        keyed = (hook.digits or "").rstrip("#")
        number = normalise_number(keyed) if keyed.isdigit() else None
        if number is not None and callback_refusal(number, self.deployment, foreign_mobiles=True) is None:
            return await self._request_callback(step, hook, number)
        if attempt >= MENU_ATTEMPTS:
            return goodbye(self.prompts, language, lead=[self.prompts.say(language, "callback_invalid_number")])
        lead = [self.prompts.say(language, "callback_invalid_number")] if keyed else []
        return twiml.ask_callback_number(self.links, self.prompts, language, attempt + 1, lead=lead)

    async def _request_callback(self, step: CallStep, hook: Webhook, number: str) -> VoiceResponse:
        now = self.clock()
        async with self.sessions.begin() as session:
            call = await self._open(session, step, hook)
            concern = await request_callback(
                session,
                deployment=self.deployment,
                region=step.region,
                number=number,
                language=step.language,
                now=now,
                pseudonymiser=self.pseudonymiser,
                call_sid=step.call_sid,
                queued_at=call.queued_at,
            )
            call.outcome = "callback"
            text = await self._note_reference_text(session, concern, step)
        # Only now, with the request committed, does the caller hear that it is taken.
        self._send_reference(text, concern, step)
        return twiml.tell_reference(
            self.links,
            self.prompts,
            step.language,
            concern.reference,
            lead=[self._confirmation(concern, step.language)],
        )

    def _confirmation(self, concern: Concern, language: str) -> Spoken:
        zone = self.deployment.zone
        due, today = concern.due_at.astimezone(zone), self.clock().astimezone(zone).date()
        return self.prompts.say_when(language, "callback_confirmed", due, today, promise=True)

    # --- the reference ----------------------------------------------------------------------

    @webhook("caller")
    async def reference_again(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """Key 1 after the reference: once more, slowly; anything else is goodbye."""
        step, attempt = self._step(hook), _attempt(hook)
        reference = hook.query_reference()
        if hook.digits != "1" or reference is None:
            return goodbye(self.prompts, step.language)
        return twiml.tell_reference(
            self.links, self.prompts, step.language, reference, again=attempt < MENU_ATTEMPTS, attempt=attempt + 1
        )

    async def _note_reference_text(self, session: AsyncSession, concern: Concern, step: CallStep) -> str | None:
        """The SMS with the reference, if the concern's number is a mobile and none went out yet.
        Noted in the contact log in the caller's transaction: a webhook Twilio retries, or a
        second request that joined this concern, sends nothing again."""
        number = concern.callback_number
        if number is None or not takes_text_messages(number):
            return None
        first = await record_contact_event(
            session,
            pseudonymiser=self.pseudonymiser,
            at=self.clock(),
            channel="sms",
            kind="sms_sent",
            region=step.region.id,
            caller=number,
            reference=f"concern:{concern.reference}",
            detail={"reason": "reference"},
            event_id=f"concern:{concern.id}:reference_sms",
        )
        if not first:
            return None
        return self.prompts.say(
            step.language, "sms_reference", region=step.region.name, reference=concern.reference
        ).text

    def _send_reference(self, text: str | None, concern: Concern, step: CallStep) -> None:
        if text is not None and concern.callback_number is not None and self.texts is not None:
            self.texts.send(
                to=concern.callback_number,
                from_=step.region.numbers[0],
                body=text,
                context={"concern": concern.reference, "call_sid": step.call_sid},
            )

    # --- voicemail ---------------------------------------------------------------------------

    def _voicemail(self, language: str) -> VoiceResponse:
        return twiml.record_voicemail(
            self.links,
            self.prompts,
            language,
            telephony=self.deployment.telephony,
            retention_days=self.deployment.retention.voicemail_days,
        )

    @webhook("caller")
    async def voicemail_done(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        step = self._step(hook)
        language = step.language
        recording_sid, recording_url, duration = hook.recording_sid, hook.recording_url, hook.recording_duration
        # A length Twilio garbled is unknown, not zero: the recording exists and is kept.
        if not recording_sid or not recording_url or duration == 0:
            return goodbye(self.prompts, language, lead=[self.prompts.say(language, "voicemail_empty")])
        now = self.clock()
        async with self.sessions.begin() as session:
            call = await self._open(session, step, hook)
            concern = await leave_voicemail(
                session,
                deployment=self.deployment,
                region=step.region,
                number=hook.caller,
                language=language,
                now=now,
                pseudonymiser=self.pseudonymiser,
                call_sid=step.call_sid,
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
            text = await self._note_reference_text(session, concern, step)
        self._send_reference(text, concern, step)
        saved = self.prompts.say(language, "voicemail_saved")
        return twiml.tell_reference(self.links, self.prompts, language, concern.reference, lead=[saved])

    # --- when the database or the service fails ----------------------------------------------

    @webhook("caller")
    async def fallback(self, request: web.Request, hook: Webhook) -> VoiceResponse:
        """The fallback URL configured in Twilio: answers from the deployment file alone."""
        return self.fallback_answer(hook)

    def fallback_answer(self, hook: Webhook) -> VoiceResponse:
        """What a caller hears when the service cannot do better: why the line is closed and when
        it opens, or that there is a technical problem; built without the database."""
        try:
            region = find_region(hook.to or "", self.deployment)
        except UnknownNumber:
            return apology(self.prompts, "de", "unknown_number")
        language = _language(hook, region)
        decision = decide(region.numbers[0], self.clock(), self.deployment)
        lead = [self.prompts.say(language, "technical_problem")]
        if not decision.open:
            lead = twiml.closed_reason(self.prompts, decision, language, self.deployment.zone, self.clock())
        return goodbye(self.prompts, language, lead=lead)

    # --- small helpers -----------------------------------------------------------------------

    def _step(self, hook: Webhook) -> CallStep:
        """The call and region this webhook is about; `UnknownNumber` or `MalformedWebhook` if none."""
        if hook.call_sid is None or hook.to is None:
            raise MalformedWebhook("CallSid or To missing or malformed")
        region = find_region(hook.to, self.deployment)
        return CallStep(hook.call_sid, region, _language(hook, region))

    async def _open(self, session: AsyncSession, step: CallStep, hook: Webhook) -> Call:
        return await self.calls.open_call(
            session, call_sid=step.call_sid, region=step.region.id, caller=hook.caller_id, now=self.clock()
        )


def _language(hook: Webhook, region: Region) -> str:
    chosen = hook.query_name("lang")
    return chosen if chosen in region.languages else region.default_language


def _attempt(hook: Webhook) -> int:
    """Which round of a menu this is, 1 to MENU_ATTEMPTS; anything odd counts as the first."""
    return min(hook.query_int("attempt") or 1, MENU_ATTEMPTS)


def offers_counselling(region: Region) -> bool:
    """The region has counselling hours: the closed line offers 3, the SMS help names BERATUNG."""
    counselling = region.hours.get("counselling")
    return counselling is not None and counselling.minutes_per_week > 0
