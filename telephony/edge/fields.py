"""A webhook's fields as typed values, parsed once at the edge: Twilio's form and our own query.

Every field is checked against what Twilio sends (SIDs by pattern, digits, statuses from their
documented sets, integers within bounds, texts within lengths). Anything odd is `None`, never an
exception: a handler asks "is there a RecordingSid?", not "does this parse?".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeGuard

from callbacks.identifiers import is_reference
from config.loader import normalise_number

_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_KEYS = re.compile(r"[0-9*#]{1,32}")
_COUNT = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "²".isdigit() is true, int("²") is not
_NAME = re.compile(r"[a-z0-9_-]{1,40}")
_NUMBER_FIELD_LIMIT = 32
SECONDS_LIMIT = 7 * 24 * 3600  # no call, queue or recording lasts a week
ID_LIMIT = 2**31 - 1  # our integer keys
TEXT_LIMIT = 1600  # an SMS body; Twilio caps concatenated SMS there
TRANSCRIPT_LIMIT = 10_000
URL_LIMIT = 300  # the column that keeps recording URLs
# What Twilio puts in `From` when the number is withheld: ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN
# and UNAVAILABLE spelt on a keypad. One pseudonym for all of them would make one frequent caller.
WITHHELD = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})

CALL_STATUSES = frozenset(
    {
        "queued",
        "initiated",
        "ringing",
        "answered",
        "in-progress",
        "completed",
        "busy",
        "no-answer",
        "failed",
        "canceled",
    }
)
QUEUE_RESULTS = frozenset(
    {"bridged", "bridging-in-process", "error", "hangup", "leave", "redirected", "queue-full", "system-error"}
)
ANSWERED_BY = frozenset(
    {"human", "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax", "unknown"}
)
RECORDING_STATUSES = frozenset({"in-progress", "completed", "absent", "failed"})
TRANSCRIPTION_STATUSES = frozenset({"completed", "failed"})


@dataclass(frozen=True, slots=True)
class Webhook:
    """One webhook request: what Twilio sent in its form, and the values our own URLs carry."""

    call_sid: str | None = None
    to: str | None = None  # as Twilio wrote it (a hotline number, a staff line, a client)
    from_: str | None = None
    digits: str | None = None  # keypad input; anything else is no key
    call_status: str | None = None
    call_duration: int | None = None
    queue_result: str | None = None
    queue_time: int | None = None
    queue_position: int | None = None
    avg_queue_time: int | None = None
    dequeuing_call_sid: str | None = None
    dial_call_status: str | None = None
    dial_call_sid: str | None = None
    answered_by: str | None = None
    recording_sid: str | None = None
    recording_url: str | None = None
    recording_duration: int | None = None
    recording_status: str | None = None
    transcription_status: str | None = None
    transcription_text: str | None = None
    message_sid: str | None = None
    body: str | None = None
    query: Mapping[str, str] | None = None  # our own URL's query, read through the methods below

    @classmethod
    def parse(cls, form: Mapping[str, str], query: Mapping[str, str]) -> Webhook:
        """Read every field Twilio may send; never raises."""
        return cls(
            call_sid=_sid(form.get("CallSid"), "CA"),
            to=_bounded(form.get("To"), _NUMBER_FIELD_LIMIT),
            from_=_bounded(form.get("From"), _NUMBER_FIELD_LIMIT),
            digits=_match(form.get("Digits"), _KEYS),
            call_status=_one_of(form.get("CallStatus"), CALL_STATUSES),
            call_duration=_count(form.get("CallDuration"), SECONDS_LIMIT),
            queue_result=_one_of(form.get("QueueResult"), QUEUE_RESULTS),
            queue_time=_count(form.get("QueueTime"), SECONDS_LIMIT),
            queue_position=_count(form.get("QueuePosition"), 100_000),
            avg_queue_time=_count(form.get("AvgQueueTime"), SECONDS_LIMIT),
            dequeuing_call_sid=_sid(form.get("DequeingCallSid"), "CA"),  # sic: Twilio's spelling
            dial_call_status=_one_of(form.get("DialCallStatus"), CALL_STATUSES),
            dial_call_sid=_sid(form.get("DialCallSid"), "CA"),
            answered_by=_one_of(form.get("AnsweredBy"), ANSWERED_BY),
            recording_sid=_sid(form.get("RecordingSid"), "RE"),
            recording_url=_https_url(form.get("RecordingUrl")),
            recording_duration=_count(form.get("RecordingDuration"), SECONDS_LIMIT),
            recording_status=_one_of(form.get("RecordingStatus"), RECORDING_STATUSES),
            transcription_status=_one_of(form.get("TranscriptionStatus"), TRANSCRIPTION_STATUSES),
            transcription_text=_bounded(form.get("TranscriptionText"), TRANSCRIPT_LIMIT, cut=True),
            message_sid=_sid(form.get("MessageSid"), "SM") or _sid(form.get("MessageSid"), "MM"),
            body=_bounded(form.get("Body"), TEXT_LIMIT, cut=True),
            query=dict(query),
        )

    @property
    def caller(self) -> str | None:
        """The caller's number in E.164 if it can be called back (not withheld, not a client)."""
        return caller_number(self.from_)

    @property
    def caller_id(self) -> str | None:
        """`From` as Twilio wrote it, if it has the form of an E.164 number and is not one of
        Twilio's stand-ins for a withheld number: enough to take a pseudonym of, without the
        cost of checking that the number exists (`caller` does that, for calling back)."""
        value = self.from_
        if value is None or value in WITHHELD or not _E164.fullmatch(value):
            return None
        return value

    def query_int(self, name: str, limit: int = ID_LIMIT) -> int | None:
        """A positive integer of our own URL's query, or None."""
        return _count((self.query or {}).get(name), limit)

    def query_name(self, name: str) -> str | None:
        """An identifier of our own URL's query (a region, a language), or None."""
        return _match((self.query or {}).get(name), _NAME)

    def query_reference(self, name: str = "reference") -> str | None:
        """A concern's reference in our own URL's query ("K7PX-3QF9"), or None."""
        value = (self.query or {}).get(name)
        return value if value is not None and is_reference(value) else None


def is_sid(value: object, prefix: str | None = None) -> TypeGuard[str]:
    """A Twilio SID: two capitals and 32 hex digits (CallSid, RecordingSid, MessageSid, ...)."""
    return isinstance(value, str) and _SID.fullmatch(value) is not None and (prefix is None or value[:2] == prefix)


def dialled_number(value: object) -> str | None:
    """A dialled number (`To`) in E.164, or None if it is none."""
    if not isinstance(value, str) or len(value) > _NUMBER_FIELD_LIMIT:
        return None
    return _e164(value)


def caller_number(value: object) -> str | None:
    """The caller's number in E.164 if it is a callable phone number (not withheld, not a client)."""
    if not isinstance(value, str) or not value.startswith("+") or len(value) > _NUMBER_FIELD_LIMIT:
        return None
    return _e164(value)


@lru_cache(maxsize=4096)
def _e164(value: str) -> str | None:
    # Parsing is the costliest step of reading a webhook, and callers call again.
    return normalise_number(value)


def _sid(value: str | None, prefix: str) -> str | None:
    return value if is_sid(value, prefix) else None


def _match(value: str | None, pattern: re.Pattern[str]) -> str | None:
    return value if value is not None and pattern.fullmatch(value) else None


def _one_of(value: str | None, allowed: frozenset[str]) -> str | None:
    return value if value in allowed else None


def _count(value: str | None, limit: int) -> int | None:
    if value is None or not _COUNT.fullmatch(value):
        return None
    number = int(value)
    return number if number <= limit else None


def _bounded(value: str | None, limit: int, *, cut: bool = False) -> str | None:
    """A non-empty text without NUL (PostgreSQL refuses it); overlong ones cut or refused."""
    if not value or "\x00" in value:
        return None
    if len(value) > limit:
        return value[:limit] if cut else None
    return value


def _https_url(value: str | None) -> str | None:
    text = _bounded(value, URL_LIMIT)
    return text if text is not None and text.startswith("https://") and text.isprintable() else None
