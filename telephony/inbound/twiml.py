"""What a caller hears at each step of a hotline call, as typed builders over twilio's VoiceResponse.

Pure functions of a decision, the prompts and a few values; the webhook handlers only choose
which one to send. Every answer ends in a way that never leaves the caller in silence: a
menu falls through to a redirect, and goodbyes end with <Hangup/>.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from functools import lru_cache

import phonenumbers
from twilio.twiml.voice_response import Gather, VoiceResponse

from config.deployment import Region, TelephonySettings
from routing import Decision
from telephony.edge.links import Links
from telephony.prompts import PromptBook, Spelled, Spoken
from telephony.twiml import say

HOME_COUNTRY_CODE = 49
MENU_TIMEOUT_SECONDS = 6
REFERENCE_TIMEOUT_SECONDS = 4
HOLD_PAUSE_SECONDS = 20


@lru_cache(maxsize=256)
def language_menu_xml(links: Links, prompts: PromptBook, region: Region) -> str:
    """The same for every call to a region, so rendered once (prompt books and regions are
    immutable and hashed by identity)."""
    return str(language_menu(links, prompts, region))


def language_menu(links: Links, prompts: PromptBook, region: Region) -> VoiceResponse:
    """Welcome in the region's default language, then one key per language, each in its own voice."""
    default = region.default_language
    response = VoiceResponse()
    gather = Gather(num_digits=1, timeout=4, action=links.path("twilio-voice-language"), action_on_empty_result=False)
    say(gather, prompts.say(default, "welcome", region=region.name))
    for digit, language in enumerate(region.languages, start=1):
        say(gather, prompts.say(language, "choose_language", digit=digit))
    response.append(gather)
    response.redirect(links.path("twilio-voice-route", lang=default), method="POST")
    return response


def enqueue(links: Links, prompts: PromptBook, region: Region, language: str, *, with_notice: bool) -> VoiceResponse:
    """Into the region's queue, after the data-protection notice (once per call)."""
    response = VoiceResponse()
    if with_notice:
        say(response, prompts.say(language, "privacy_notice"))
    response.enqueue(
        region.id,
        wait_url=links.path("twilio-queue-wait", lang=language),
        wait_url_method="POST",
        action=links.path("twilio-queue-done", lang=language),
        method="POST",
    )
    return response


def queue_wait(
    links: Links,
    prompts: PromptBook,
    language: str,
    *,
    position: int,
    estimate_minutes: int,
    telephony: TelephonySettings,
) -> VoiceResponse:
    """One round of waiting: position, estimate, the way out, then music or silence.

    Twilio fetches the wait URL again when this document ends, so the caller hears it repeat.
    """
    response = VoiceResponse()
    gather = Gather(num_digits=1, timeout=1, action=links.path("twilio-queue-key", lang=language))
    say(gather, prompts.say(language, "queue_position", position=position))
    if estimate_minutes == 1:
        say(gather, prompts.say(language, "queue_estimate_one"))
    else:
        say(gather, prompts.say(language, "queue_estimate", minutes=estimate_minutes))
    say(gather, prompts.say(language, "queue_options"))
    if telephony.hold_music:
        gather.play(telephony.hold_music)
    else:
        gather.pause(length=HOLD_PAUSE_SECONDS)
    response.append(gather)
    return response


def leave_queue(prompts: PromptBook, language: str, *, too_long: bool) -> VoiceResponse:
    response = VoiceResponse()
    if too_long:
        say(response, prompts.say(language, "queue_too_long"))
    response.leave()
    return response


def closed_line(
    links: Links,
    prompts: PromptBook,
    decision: Decision,
    language: str,
    zone: dt.tzinfo,
    *,
    now: dt.datetime,
    counselling: bool,
    video: bool = True,
) -> VoiceResponse:
    """Why the line is closed, when it opens again, then the menu."""
    response = VoiceResponse()
    for spoken in closed_reason(prompts, decision, language, zone, now):
        say(response, spoken)
    return closed_menu(links, prompts, language, counselling=counselling, video=video, attempt=1, response=response)


def closed_reason(
    prompts: PromptBook, decision: Decision, language: str, zone: dt.tzinfo, now: dt.datetime
) -> list[Spoken]:
    """Why the line is closed and when it opens, the day named as seen from `now` ("heute ab 8 Uhr")."""
    if decision.reason == "holiday":
        lines = [prompts.say(language, "closed_holiday", holiday=decision.detail or "")]
    elif decision.reason == "closure":
        lines = [prompts.say(language, "closed_closure", reason=decision.detail or "")]
    else:
        lines = [prompts.say(language, "closed_outside_hours")]
    if decision.next_opening is not None:
        local = decision.next_opening.astimezone(zone)
        lines.append(prompts.say_when(language, "opens_again", local, now.astimezone(zone).date()))
    return lines


def closed_menu(
    links: Links,
    prompts: PromptBook,
    language: str,
    *,
    counselling: bool,
    attempt: int,
    video: bool = True,
    response: VoiceResponse | None = None,
    lead: Sequence[Spoken] = (),
) -> VoiceResponse:
    """1 callback, 2 voicemail, 3 counselling where the region offers it (by video too only where
    a video service is configured); silence repeats it."""
    response = response or VoiceResponse()
    for spoken in lead:
        say(response, spoken)
    action = links.path("twilio-closed-choice", lang=language, attempt=attempt)
    gather = Gather(num_digits=1, timeout=MENU_TIMEOUT_SECONDS, action=action)
    say(gather, prompts.say(language, "closed_menu_callback"))
    say(gather, prompts.say(language, "closed_menu_voicemail"))
    if counselling:
        say(gather, prompts.say(language, "closed_menu_counselling" if video else "closed_menu_counselling_phone"))
    response.append(gather)
    response.redirect(action, method="POST")  # no key: the choice handler counts the attempt
    return response


def confirm_callback_number(
    links: Links,
    prompts: PromptBook,
    language: str,
    number: Spelled,
    attempt: int,
    lead: Sequence[Spoken] = (),
) -> VoiceResponse:
    response = VoiceResponse()
    for spoken in lead:
        say(response, spoken)
    action = links.path("twilio-callback-answer", lang=language, attempt=attempt)
    gather = Gather(num_digits=1, timeout=MENU_TIMEOUT_SECONDS, action=action)
    say(gather, prompts.say(language, "callback_confirm_number", number=number))
    response.append(gather)
    response.redirect(action, method="POST")
    return response


def ask_callback_number(
    links: Links, prompts: PromptBook, language: str, attempt: int, lead: Sequence[Spoken] = ()
) -> VoiceResponse:
    response = VoiceResponse()
    for spoken in lead:
        say(response, spoken)
    action = links.path("twilio-callback-number", lang=language, attempt=attempt)
    gather = Gather(finish_on_key="#", timeout=10, num_digits=20, action=action)
    say(gather, prompts.say(language, "callback_enter_number"))
    response.append(gather)
    response.redirect(action, method="POST")
    return response


def tell_reference(
    links: Links,
    prompts: PromptBook,
    language: str,
    reference: str,
    *,
    lead: Sequence[Spoken] = (),
    again: bool = True,
    attempt: int = 1,
) -> VoiceResponse:
    """The concern's reference, slowly and in its two groups; key 1 hears it once more; then goodbye."""
    response = VoiceResponse()
    for spoken in lead:
        say(response, spoken)
    spelled = Spelled(tuple(reference.split("-")), interpret_as="spell-out", slow=True)
    say(response, prompts.say(language, "reference_is", reference=spelled))
    if again:
        action = links.path("twilio-reference-again", lang=language, reference=reference, attempt=attempt)
        gather = Gather(num_digits=1, timeout=REFERENCE_TIMEOUT_SECONDS, action=action)
        say(gather, prompts.say(language, "reference_repeat"))
        response.append(gather)
    say(response, prompts.say(language, "goodbye"))  # no key: the caller is done
    response.hangup()
    return response


def record_voicemail(
    links: Links, prompts: PromptBook, language: str, *, telephony: TelephonySettings, retention_days: int
) -> VoiceResponse:
    """The notice that it is recorded and for how long, then <Record>; silence ends politely."""
    response = VoiceResponse()
    say(response, prompts.say(language, "voicemail_notice", days=retention_days))
    response.record(
        action=links.path("twilio-voicemail-done", lang=language),
        method="POST",
        max_length=telephony.voicemail_max_seconds,
        finish_on_key="#",
        play_beep=True,
        recording_status_callback=links.path("twilio-recording"),
        recording_status_callback_method="POST",
        transcribe=telephony.transcribe_voicemail or None,
        transcribe_callback=links.path("twilio-recording-transcription") if telephony.transcribe_voicemail else None,
    )
    say(response, prompts.say(language, "voicemail_empty"))
    say(response, prompts.say(language, "goodbye"))
    response.hangup()
    return response


def spoken_number(e164: str) -> Spelled:
    """A number read back as people group it: the area or mobile prefix whole, then the
    subscriber number in groups of three or four ("0171 222 3334", "02241 900 0100"); a foreign
    number after its country code as dialled from Germany ("0044 20 7946 0018")."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return Spelled(_groups("".join(c for c in e164 if c.isdigit())))
    significant = phonenumbers.national_significant_number(parsed)
    prefix_length = phonenumbers.length_of_national_destination_code(parsed)
    prefix, subscriber = significant[:prefix_length], significant[prefix_length:]
    if parsed.country_code == HOME_COUNTRY_CODE:
        lead = ["0" + prefix] if prefix else []
    else:
        lead = [f"00{parsed.country_code}", *([prefix] if prefix else [])]
    return Spelled((*lead, *_groups(subscriber)))


def _groups(digits: str) -> tuple[str, ...]:
    """Digits in as few groups of at most four as will do, the shorter groups first: 7 → 3 + 4,
    8 → 4 + 4, 10 → 3 + 3 + 4."""
    if not digits:
        return ()
    count = math.ceil(len(digits) / 4)
    short, extra = divmod(len(digits), count)
    sizes = [short] * (count - extra) + [short + 1] * extra
    groups, start = [], 0
    for size in sizes:
        groups.append(digits[start : start + size])
        start += size
    return tuple(groups)
