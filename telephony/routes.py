"""Every path of telephony, named: TwiML, REST requests, redirects and links build their URLs
from these names. Twilio's webhooks first, then the counsellors' pages."""

from __future__ import annotations

from aiohttp import web

from telephony.counsellors.callback_calls import CallbackCallWebhooks
from telephony.counsellors.counselling_calls import CounsellingCallWebhooks
from telephony.counsellors.views import PresenceViews
from telephony.counsellors.webhooks import CounsellorWebhooks
from telephony.inbound.events import EventWebhooks
from telephony.inbound.webhooks import VoiceWebhooks
from telephony.outbound.outbox import OutboxViews


def webhook_routes(
    voice: VoiceWebhooks,
    events: EventWebhooks,
    counsellors: CounsellorWebhooks,
    callback_calls: CallbackCallWebhooks,
    counselling_calls: CounsellingCallWebhooks,
) -> list[web.RouteDef]:
    return [
        # a call arrives: the staff line asks for a PIN, a hotline goes to the caller's steps
        web.post("/twilio/voice", counsellors.front_door, name="twilio-voice"),
        web.post("/twilio/voice/fallback", voice.fallback, name="twilio-voice-fallback"),
        # the caller's steps (telephony/inbound)
        web.post("/twilio/voice/language", voice.language, name="twilio-voice-language"),
        web.post("/twilio/voice/route", voice.route, name="twilio-voice-route"),
        web.post("/twilio/queue/wait", voice.queue_wait, name="twilio-queue-wait"),
        web.post("/twilio/queue/key", voice.queue_key, name="twilio-queue-key"),
        web.post("/twilio/queue/answered", voice.queue_answered, name="twilio-queue-answered"),
        web.post("/twilio/queue/done", voice.queue_done, name="twilio-queue-done"),
        web.post("/twilio/closed/choice", voice.closed_choice, name="twilio-closed-choice"),
        web.post("/twilio/callback/answer", voice.callback_answer, name="twilio-callback-answer"),
        web.post("/twilio/callback/number", voice.callback_number, name="twilio-callback-number"),
        web.post("/twilio/voicemail/done", voice.voicemail_done, name="twilio-voicemail-done"),
        web.post("/twilio/reference/again", voice.reference_again, name="twilio-reference-again"),
        # news about calls, recordings and messages
        web.post("/twilio/status", events.status, name="twilio-status"),
        web.post("/twilio/recording", events.recording, name="twilio-recording"),
        web.post("/twilio/recording/transcription", events.transcription, name="twilio-recording-transcription"),
        web.post("/twilio/sms", events.sms, name="twilio-sms"),
        # the counsellors' side (telephony/counsellors)
        web.post("/twilio/staff/pin", counsellors.staff_pin, name="twilio-staff-pin"),
        web.post("/twilio/counsellor/connect", counsellors.connect, name="twilio-counsellor-connect"),
        web.post("/twilio/counsellor/status", counsellors.status, name="twilio-counsellor-status"),
        web.post("/twilio/attempt/connect", callback_calls.connect, name="twilio-attempt-connect"),
        web.post("/twilio/attempt/dialled", callback_calls.dialled, name="twilio-attempt-dialled"),
        web.post("/twilio/attempt/amd", callback_calls.machine, name="twilio-attempt-amd"),
        web.post("/twilio/attempt/status", callback_calls.status, name="twilio-attempt-status"),
        # a phone session of counselling: the counsellor first, then the customer
        web.post("/twilio/session/connect", counselling_calls.connect, name="twilio-session-connect"),
        web.post("/twilio/session/customer", counselling_calls.customer, name="twilio-session-customer"),
        web.post("/twilio/session/dialled", counselling_calls.dialled, name="twilio-session-dialled"),
        web.post("/twilio/session/status", counselling_calls.status, name="twilio-session-status"),
    ]


def page_routes(presence: PresenceViews, outbox: OutboxViews) -> list[web.RouteDef]:
    return [
        # the counsellor takes calls, or stops; gets a staff-line PIN
        web.get("/counsellor", presence.page, name="counsellor"),
        web.post("/counsellor", presence.update, name="counsellor"),
        # what the simulator would have sent, without a Twilio account
        web.get("/outbox", outbox.page, name="outbox"),
    ]
