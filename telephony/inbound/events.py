"""Status, recording and SMS webhooks: late, repeated or reordered news about calls.

Each answer is idempotent (keyed by CallSid, RecordingSid or MessageSid and event) and does
not depend on arriving after the voice webhooks it belongs to.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.twiml.messaging_response import MessagingResponse

from callbacks.recording_news import remember_recording
from callbacks.service import attach_recording_details, request_callback
from config.deployment import Deployment
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from routing import UnknownNumber, find_region
from storage.clock import Clock
from telephony.edge.fields import BadWebhook, caller_number, is_sid, read_call_form
from telephony.edge.responses import twiml_response
from telephony.inbound.call_log import FINAL_STATUSES, CallLog
from telephony.prompts import PromptBook

log = logging.getLogger("hotline.twilio")
_CALLBACK_KEYWORD = re.compile(r"^\s*(RUECKRUF|RÜCKRUF|RUCKRUF)\b", re.IGNORECASE)
NO_RECORDING_SID = "RecordingSid missing or malformed"


@dataclass(frozen=True)
class EventWebhooks:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    prompts: PromptBook
    clock: Clock
    pseudonymiser: Pseudonymiser
    calls: CallLog

    async def status(self, request: web.Request) -> web.Response:
        """Call progress: completed (with duration), busy, no-answer, failed, canceled."""
        try:
            form = await read_call_form(request)
        except BadWebhook as exc:
            return web.Response(status=400, text=str(exc))
        status = form.text("CallStatus") or ""
        try:
            region = find_region(form.to, self.deployment).id
        except UnknownNumber:
            region = "unknown"
        now = self.clock()
        async with self.sessions.begin() as session:
            call = await self.calls.open_call(session, call_sid=form.call_sid, region=region, caller=None, now=now)
            if status not in FINAL_STATUSES:
                return twiml_response()
            call.status = status
            call.ended_at = call.ended_at or now
            duration = form.number("CallDuration")
            if status == "completed":
                await self.calls.event(session, call, "call_completed", now, duration_seconds=duration)
            else:
                await self.calls.event(session, call, "call_failed", now, detail={"status": status})
            if call.queued_at and not call.answered_at and not call.queue_choice:
                await self.calls.event(session, call, "abandoned", now, detail={"position": call.queue_position})
        return twiml_response()

    async def recording(self, request: web.Request) -> web.Response:
        """Recording status: the final URL and length of a voicemail."""
        form = await request.post()
        sid = _recording_sid(form)
        if sid is None:
            return web.Response(status=400, text=NO_RECORDING_SID)
        url, duration = _text(form.get("RecordingUrl")), _text(form.get("RecordingDuration"))
        seconds = int(duration) if duration and duration.isdigit() else None
        async with self.sessions.begin() as session:
            await remember_recording(
                session,
                recording_sid=sid,
                call_sid=_text(form.get("CallSid")),
                url=url,
                duration_seconds=seconds,
                status=_text(form.get("RecordingStatus")),
                now=self.clock(),
            )
            await attach_recording_details(session, recording_sid=sid, recording_url=url, duration_seconds=seconds)
        return twiml_response()

    async def transcription(self, request: web.Request) -> web.Response:
        form = await request.post()
        sid = _recording_sid(form)
        if sid is None:
            return web.Response(status=400, text=NO_RECORDING_SID)
        text = _text(form.get("TranscriptionText")) if form.get("TranscriptionStatus") == "completed" else None
        async with self.sessions.begin() as session:
            await remember_recording(session, recording_sid=sid, transcript=text, now=self.clock())
            await attach_recording_details(session, recording_sid=sid, transcript=text)
        return twiml_response()

    async def sms(self, request: web.Request) -> web.Response:
        """An SMS to a hotline number: RUECKRUF asks for a callback, anything else gets help."""
        form = await request.post()
        message_sid, to, body = form.get("MessageSid"), form.get("To"), form.get("Body")
        sender = caller_number(form.get("From"))
        if not isinstance(message_sid, str) or not is_sid(message_sid) or not isinstance(to, str):
            return web.Response(status=400, text="MessageSid or To missing or malformed")
        reply = MessagingResponse()
        try:
            region = find_region(to, self.deployment)
        except UnknownNumber:
            return twiml_response(reply)
        language, now = region.default_language, self.clock()
        wants_callback = isinstance(body, str) and _CALLBACK_KEYWORD.match(body) is not None
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
                detail={"keyword": "callback" if wants_callback else None},
                event_id=f"{message_sid}:received",
            )
            if wants_callback and sender is not None:
                concern = await request_callback(
                    session,
                    deployment=self.deployment,
                    region=region,
                    number=sender,
                    language=language,
                    now=now,
                    pseudonymiser=self.pseudonymiser,
                    source_key=f"{message_sid}:callback",
                    channel="sms",
                )
                due = concern.due_at.astimezone(self.deployment.zone)
                text = self.prompts.say(
                    language, "sms_callback_confirmed", **self.prompts.spoken_deadline(language, due)
                )
            else:
                text = self.prompts.say(language, "sms_help", region=region.name)
            await record_contact_event(
                session,
                pseudonymiser=self.pseudonymiser,
                at=now,
                channel="sms",
                kind="sms_sent",
                region=region.id,
                caller=sender,
                reference=message_sid,
                detail={"reply": "callback_confirmed" if wants_callback and sender else "help"},
                event_id=f"{message_sid}:reply",
            )
        reply.message(text.text)
        return twiml_response(reply)


def _recording_sid(form: Mapping[str, object]) -> str | None:
    sid = form.get("RecordingSid")
    return sid if is_sid(sid) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
