"""Status, recording and SMS webhooks: late, repeated or reordered news about calls.

Each answer is idempotent (keyed by CallSid, RecordingSid or MessageSid and event) and does
not depend on arriving after the voice webhooks it belongs to.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.twiml.messaging_response import MessagingResponse

from callbacks.callback_numbers import callback_refusal
from callbacks.recording_news import remember_recording
from callbacks.service import attach_recording_details, request_callback
from config.deployment import Deployment
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from routing import UnknownNumber, find_region
from storage.clock import Clock
from telephony.edge.fields import Webhook
from telephony.edge.responses import EMPTY
from telephony.edge.webhooks import MalformedWebhook, webhook
from telephony.inbound.call_log import FINAL_STATUSES, CallLog
from telephony.inbound.webhooks import offers_counselling
from telephony.outbound.texts import takes_text_messages
from telephony.prompts import PromptBook
from video.errors import CounsellingRefused
from video.service import Counselling

log = logging.getLogger("hotline.twilio")
_CALLBACK_KEYWORD = re.compile(r"^\s*(RUECKRUF|RÜCKRUF|RUCKRUF)\b", re.IGNORECASE)
# BERATUNG asks for a booking link; COUNSELLING (either spelling) too, for the link in English.
_COUNSELLING_KEYWORD = re.compile(r"^\s*(?:(BERATUNG)|COUNSEL+ING)\b", re.IGNORECASE)
NO_RECORDING_SID = "RecordingSid missing or malformed"


@dataclass(frozen=True)
class EventWebhooks:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    prompts: PromptBook
    clock: Clock
    pseudonymiser: Pseudonymiser
    calls: CallLog
    counselling: Counselling | None = None  # sends booking links for BERATUNG; None: help instead

    @webhook()
    async def status(self, request: web.Request, hook: Webhook) -> str:
        """Call progress: completed (with duration), busy, no-answer, failed, canceled."""
        if hook.call_sid is None:
            raise MalformedWebhook("CallSid missing or malformed")
        status = hook.call_status
        try:
            region = find_region(hook.to or "", self.deployment).id
        except UnknownNumber:
            region = "unknown"
        now = self.clock()
        async with self.sessions.begin() as session:
            # A call first seen here (its voice webhooks lost or late) still gets its caller pseudonym.
            call = await self.calls.open_call(
                session, call_sid=hook.call_sid, region=region, caller=hook.caller_id, now=now
            )
            if status not in FINAL_STATUSES:
                return EMPTY
            call.status = status
            call.ended_at = call.ended_at or now
            if status == "completed":
                await self.calls.event(session, call, "call_completed", now, duration_seconds=hook.call_duration or 0)
            else:
                await self.calls.event(session, call, "call_failed", now, detail={"status": status})
            if call.queued_at and not call.answered_at and not call.queue_choice:
                await self.calls.event(session, call, "abandoned", now, detail={"position": call.queue_position})
        return EMPTY

    @webhook()
    async def recording(self, request: web.Request, hook: Webhook) -> str:
        """Recording status: the final URL and length of a voicemail."""
        sid = hook.recording_sid
        if sid is None:
            raise MalformedWebhook(NO_RECORDING_SID)
        async with self.sessions.begin() as session:
            await remember_recording(
                session,
                recording_sid=sid,
                call_sid=hook.call_sid,
                url=hook.recording_url,
                duration_seconds=hook.recording_duration,
                status=hook.recording_status,
                now=self.clock(),
            )
            await attach_recording_details(
                session, recording_sid=sid, recording_url=hook.recording_url, duration_seconds=hook.recording_duration
            )
        return EMPTY

    @webhook()
    async def transcription(self, request: web.Request, hook: Webhook) -> str:
        sid = hook.recording_sid
        if sid is None:
            raise MalformedWebhook(NO_RECORDING_SID)
        text = hook.transcription_text if hook.transcription_status == "completed" else None
        async with self.sessions.begin() as session:
            await remember_recording(session, recording_sid=sid, transcript=text, now=self.clock())
            await attach_recording_details(session, recording_sid=sid, transcript=text)
        return EMPTY

    @webhook()
    async def sms(self, request: web.Request, hook: Webhook) -> MessagingResponse | str:
        """An SMS to a hotline number: RUECKRUF asks for a callback, BERATUNG for a booking link
        (the link's SMS is the only answer), anything else gets help."""
        message_sid, sender = hook.message_sid, hook.caller
        if message_sid is None or hook.to is None:
            raise MalformedWebhook("MessageSid or To missing or malformed")
        reply = MessagingResponse()
        try:
            region = find_region(hook.to, self.deployment)
        except UnknownNumber:
            return reply
        language, now = region.default_language, self.clock()
        body = hook.body or ""
        counselling = _COUNSELLING_KEYWORD.match(body)
        wants_callback = counselling is None and _CALLBACK_KEYWORD.match(body) is not None
        if sender is not None and callback_refusal(sender, self.deployment, foreign_mobiles=True) is not None:
            sender_callable = None  # a number the job centre does not call back gets the help text
        else:
            sender_callable = sender
        keyword = "counselling" if counselling else "callback" if wants_callback else None
        async with self.sessions.begin() as session:
            await record_contact_event(
                session,
                pseudonymiser=self.pseudonymiser,
                at=now,
                channel="sms",
                kind="sms_received",
                region=region.id,
                caller=sender,
                reference=message_sid,
                detail={"keyword": keyword},
                event_id=f"{message_sid}:received",
            )
        if counselling and sender_callable is not None:
            link_language = region.default_language if counselling.group(1) else "en"
            if await self._send_booking_link(region.id, sender_callable, link_language, message_sid):
                return reply  # Counselling sends the link (and logs it): one message, not two
        async with self.sessions.begin() as session:
            if wants_callback and sender_callable is not None:
                concern = await request_callback(
                    session,
                    deployment=self.deployment,
                    region=region,
                    number=sender_callable,
                    language=language,
                    now=now,
                    pseudonymiser=self.pseudonymiser,
                    source_key=f"{message_sid}:callback",
                    channel="sms",
                )
                due = concern.due_at.astimezone(self.deployment.zone)
                text = self.prompts.say(
                    language,
                    "sms_callback_confirmed",
                    reference=concern.reference,
                    **self.prompts.deadline_words(language, due),
                )
            else:
                help_key = "sms_help_counselling" if self.counselling and offers_counselling(region) else "sms_help"
                text = self.prompts.say(language, help_key, region=region.name)
            await record_contact_event(
                session,
                pseudonymiser=self.pseudonymiser,
                at=now,
                channel="sms",
                kind="sms_sent",
                region=region.id,
                caller=sender,
                reference=message_sid,
                detail={"reply": "callback_confirmed" if wants_callback and sender_callable else "help"},
                event_id=f"{message_sid}:reply",
            )
        reply.message(text.text)
        return reply

    async def _send_booking_link(self, region_id: str, number: str, language: str, message_sid: str) -> bool:
        """Invite the sender to book; False (the sender gets help) if the number takes no SMS or
        the invitation could not be made. A message Twilio delivers twice invites once."""
        if self.counselling is None or not takes_text_messages(number):
            return False
        try:
            await self.counselling.invite(
                region_id=region_id,
                number=number,
                language=language,
                source="sms",
                source_key=f"{message_sid}:counselling",
            )
        except CounsellingRefused as refused:
            extra = {"message_sid": message_sid, "reason": refused.code}
            log.warning("no booking link for a text message", extra=extra)
            return False
        return True
