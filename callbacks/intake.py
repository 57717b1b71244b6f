"""Raising concerns from every channel, in one place: validation, merging, due times, history.

A second request from the same number for the same region while one is open joins that one
(noted in its history) instead of queueing the customer twice. A delivery seen before (a
retried webhook, a form sent twice) returns the concern it raised, changing nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.models import Concern, ConcernEntry, ConcernSource
from config.deployment import Deployment, Region, Urgency
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from contacts.vocabulary import ContactChannel
from routing import due_at

ConcernChannel = Literal["phone_callback", "voicemail", "walk_in", "web_form", "sms"]
MAX_NOTE = 1000
MAX_NAME = 120
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone
_CONTACT_CHANNEL: dict[str, ContactChannel] = {
    "phone_callback": "callback",
    "voicemail": "voicemail",
    "walk_in": "walk_in",
    "web_form": "web_form",
    "sms": "sms",
}
_RAISED_KIND = {"phone_callback": "callback_requested", "voicemail": "voicemail_left", "sms": "callback_requested"}


class InvalidConcern(ValueError):
    """A concern that cannot be raised; `field` names the input and the message says why (German)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewConcern:
    region: Region
    channel: ConcernChannel
    language: str
    source_key: str  # the same delivery twice has the same key
    callback_number: str | None = None  # E.164
    topic: str | None = None
    urgency: Urgency | None = None  # None: the topic's urgency, else normal
    customer_name: str | None = None
    note: str | None = None
    window_start: dt.datetime | None = None
    window_end: dt.datetime | None = None
    ad_hoc_talk: bool = False
    queued_at: dt.datetime | None = None
    call_sid: str | None = None
    recording_sid: str | None = None
    recording_url: str | None = None
    recording_duration: int | None = None


@dataclass(frozen=True)
class Intake:
    concern: Concern
    created: bool  # a new concern (not merged, not a repeat)
    merged: bool  # joined an open concern of the same number and region


def new_reference() -> str:
    """A reference such as "K7PX-3QF9": short enough to read out, too many to guess."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


async def raise_concern(
    session: AsyncSession,
    new: NewConcern,
    *,
    deployment: Deployment,
    now: dt.datetime,
    pseudonymiser: Pseudonymiser,
    actor_id: int | None = None,
) -> Intake:
    """Raise (or join, or find again) the concern `new` describes."""
    seen = await session.get(ConcernSource, new.source_key)
    if seen is not None:
        concern = await session.get(Concern, seen.concern_id)
        assert concern is not None
        return Intake(concern, created=False, merged=False)
    urgency = _validated_urgency(new, deployment)
    joined = await _open_concern_of(session, new)
    if joined is not None:
        await _merge(session, joined, new, urgency, deployment, now, pseudonymiser, actor_id)
        return Intake(joined, created=False, merged=True)
    concern = _concern(new, urgency, deployment, now)
    try:
        async with session.begin_nested():
            session.add(concern)
            await session.flush()
            session.add(ConcernSource(source_key=new.source_key, concern_id=concern.id))
            await session.flush()
    except IntegrityError:
        # The same delivery arrived twice at once and the other one won; use its concern.
        seen = await session.get(ConcernSource, new.source_key)
        if seen is None:
            raise
        found = await session.get(Concern, seen.concern_id)
        assert found is not None
        return Intake(found, created=False, merged=False)
    await note_history(session, concern, "created", now, actor_id, {"channel": new.channel})
    await record_contact_event(
        session,
        pseudonymiser=pseudonymiser,
        at=now,
        channel=_CONTACT_CHANNEL[new.channel],
        kind=_RAISED_KIND.get(new.channel, "concern_raised"),
        region=new.region.id,
        caller=new.callback_number,
        reference=f"concern:{concern.reference}",
        wait_seconds=int((now - new.queued_at).total_seconds()) if new.queued_at else None,
        duration_seconds=new.recording_duration,
        detail={"urgency": urgency, "topic": new.topic, "language": new.language, "call": new.call_sid},
        event_id=f"{new.source_key}:raised",
    )
    return Intake(concern, created=True, merged=False)


def _validated_urgency(new: NewConcern, deployment: Deployment) -> Urgency:
    if new.callback_number is not None and not (
        new.callback_number.startswith("+") and new.callback_number[1:].isdigit()
    ):
        raise InvalidConcern("callback_number", "Die Rufnummer ist ungültig.")
    if new.note is not None and len(new.note) > MAX_NOTE:
        raise InvalidConcern("note", f"Die Notiz ist zu lang (höchstens {MAX_NOTE} Zeichen).")
    if new.customer_name is not None and len(new.customer_name) > MAX_NAME:
        raise InvalidConcern("customer_name", f"Der Name ist zu lang (höchstens {MAX_NAME} Zeichen).")
    if new.window_start and new.window_end and new.window_end <= new.window_start:
        raise InvalidConcern("window_end", "Das Zeitfenster endet, bevor es beginnt.")
    if new.topic is None:
        return new.urgency or "normal"
    topic = deployment.topic(new.topic)
    if topic is None:
        raise InvalidConcern("topic", "Unbekanntes Thema.")
    return new.urgency or topic.urgency


async def _open_concern_of(session: AsyncSession, new: NewConcern) -> Concern | None:
    if new.callback_number is None or new.ad_hoc_talk:
        return None
    candidate = await session.scalar(
        select(Concern)
        .where(
            Concern.callback_number == new.callback_number,
            Concern.region == new.region.id,
            Concern.status != "closed",
        )
        .order_by(Concern.created_at)
        .limit(1)
    )
    # Two recordings do not fit one concern; the second voicemail stands on its own.
    if candidate is not None and new.recording_sid and candidate.recording_sid:
        return None
    return candidate


async def _merge(
    session: AsyncSession,
    concern: Concern,
    new: NewConcern,
    urgency: Urgency,
    deployment: Deployment,
    now: dt.datetime,
    pseudonymiser: Pseudonymiser,
    actor_id: int | None,
) -> None:
    session.add(ConcernSource(source_key=new.source_key, concern_id=concern.id))
    if urgency == "urgent" and concern.urgency != "urgent":
        concern.urgency = "urgent"
        concern.due_at = min(concern.due_at, due_at(now, "urgent", new.region, deployment))
    if new.recording_sid and not concern.recording_sid:
        concern.recording_sid, concern.recording_url = new.recording_sid, new.recording_url
        concern.recording_duration = new.recording_duration
    if new.note:
        concern.note = f"{concern.note}\n---\n{new.note}" if concern.note else new.note
    concern.topic = concern.topic or new.topic
    concern.status = "open" if concern.status == "unreachable" else concern.status
    await note_history(
        session, concern, "merged", now, actor_id, {"channel": new.channel, "topic": new.topic, "urgency": urgency}
    )
    await record_contact_event(
        session,
        pseudonymiser=pseudonymiser,
        at=now,
        channel=_CONTACT_CHANNEL[new.channel],
        kind="concern_merged",
        region=new.region.id,
        caller=new.callback_number,
        reference=f"concern:{concern.reference}",
        detail={"urgency": urgency, "topic": new.topic},
        event_id=f"{new.source_key}:merged",
    )


def _concern(new: NewConcern, urgency: Urgency, deployment: Deployment, now: dt.datetime) -> Concern:
    return Concern(
        reference=new_reference(),
        region=new.region.id,
        channel=new.channel,
        status="closed" if new.ad_hoc_talk else "open",
        urgency=urgency,
        topic=new.topic,
        callback_number=new.callback_number,
        customer_name=new.customer_name,
        note=new.note,
        language=new.language,
        window_start=new.window_start,
        window_end=new.window_end,
        ad_hoc_talk=new.ad_hoc_talk,
        queued_at=new.queued_at,
        created_at=now,
        due_at=due_at(now, urgency, new.region, deployment),
        source_key=new.source_key,
        call_sid=new.call_sid,
        recording_sid=new.recording_sid,
        recording_url=new.recording_url,
        recording_duration=new.recording_duration,
        attempts=0,
        closed_at=now if new.ad_hoc_talk else None,
        outcome="settled" if new.ad_hoc_talk else None,
    )


async def note_history(
    session: AsyncSession,
    concern: Concern,
    kind: str,
    now: dt.datetime,
    actor_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(ConcernEntry(concern_id=concern.id, at=now, kind=kind, actor_id=actor_id, detail=detail or {}))
    await session.flush()
