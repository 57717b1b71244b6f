"""Raising concerns from every channel, in one place: one validated input, merging, due times, history.

Every way in (phone, voicemail, SMS, desk, API, contact form) describes its concern as a
`NewConcern`, checked once here, and raises it through `raise_concern`.

A second request from the same number for the same region while one is open joins that one
(noted in its history) instead of queueing the customer twice, if it comes from the number
itself (a call, an SMS) or from staff (desk, API). Anonymous input (the contact form) proves
nothing about the number it names, so it never reads or changes another concern: it becomes a
concern of its own, marked unverified and linked to the open one, and staff decide. A delivery
seen before (a retried webhook, a form sent twice) returns the concern it raised, changing nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.callback_numbers import NumberRefused, callback_number
from callbacks.identifiers import SOURCE_KEY_LENGTH, new_reference
from callbacks.limits import MAX_NAME, MAX_NOTE
from callbacks.models import Concern, ConcernEntry, ConcernSource
from callbacks.refusals import MESSAGES, REFUSAL_CODES, RefusalCode, Refused
from config.deployment import Deployment, Region, Urgency
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from contacts.vocabulary import ContactChannel
from routing import due_at
from storage.bulk import insert_new

ConcernChannel = Literal["phone_callback", "voicemail", "walk_in", "web_form", "sms"]
# Nobody vouches for the number: not the line it came from, not a member of staff.
ANONYMOUS_CHANNELS: Final = frozenset({"web_form"})
# A person typed topic and note, on a page or through the API.
TYPED_CHANNELS: Final = frozenset({"walk_in", "web_form"})
# Whoever asks for a callback must give a number; a voicemail is kept without one.
NUMBER_CHANNELS: Final = frozenset({"phone_callback", "sms", "walk_in", "web_form"})
UNVERIFIED_MARK = "unverifiziert, aus dem Kontaktformular"

_CONTACT_CHANNEL: dict[str, ContactChannel] = {
    "phone_callback": "callback",
    "voicemail": "voicemail",
    "walk_in": "walk_in",
    "web_form": "web_form",
    "sms": "sms",
}
_RAISED_KIND = {"phone_callback": "callback_requested", "voicemail": "voicemail_left", "sms": "callback_requested"}
# Which refusal a field gets when pydantic's own checks fail (a number where text belongs, a
# date that is no date): the field decides the wording.
_FIELD_REFUSALS: dict[str, RefusalCode] = {
    "region": "region_unknown",
    "callback_number": "phone_invalid",
    "topic": "topic_unknown",
    "urgency": "urgency_unknown",
    "language": "language_unknown",
    "note": "note_missing",
    "window_start": "moment_invalid",
    "window_end": "moment_invalid",
}


@dataclass(frozen=True)
class IntakeRules:
    """What a `NewConcern` is checked against: the deployment, the moment, and the regions the
    one raising it may raise concerns for (None: every region)."""

    deployment: Deployment
    now: dt.datetime
    regions: frozenset[str] | None = None


def _rules(info: ValidationInfo) -> IntakeRules:
    if not isinstance(info.context, IntakeRules):
        raise TypeError("a NewConcern is made by NewConcern.check, which knows the rules")
    return info.context


def _refuse(code: RefusalCode) -> PydanticCustomError:
    return PydanticCustomError(code, MESSAGES[code])


def _text(value: str | None) -> str | None:
    """Text as typed, without surrounding blanks, line breaks counted once; None if empty."""
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value or None


class NewConcern(BaseModel):
    """A concern as any channel describes it, checked once against the rules: the number by the
    one rule of callback numbers, lengths, the window's order, the topic, the language.

    Made only by `NewConcern.check`, so every instance has passed the checks."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    channel: ConcernChannel
    source_key: str  # the same delivery twice has the same key
    region: str  # the region's id
    ad_hoc_talk: bool = False  # settled at the desk at once
    callback_number: str | None = None  # as typed; E.164 once checked
    customer_name: str | None = None
    topic: str | None = None
    urgency: Urgency | None = None  # None: the topic's urgency, else normal
    language: str = ""  # "": the region's default language
    note: str | None = None
    window_start: AwareDatetime | None = None  # UTC once checked
    window_end: AwareDatetime | None = None
    queued_at: AwareDatetime | None = None
    call_sid: str | None = Field(default=None, max_length=34)
    recording_sid: str | None = Field(default=None, max_length=34)
    recording_url: str | None = Field(default=None, max_length=300)
    recording_duration: int | None = Field(default=None, ge=0)

    @classmethod
    def check(
        cls,
        data: Mapping[str, object],
        *,
        deployment: Deployment,
        now: dt.datetime,
        regions: frozenset[str] | None = None,
    ) -> NewConcern:
        """The concern `data` describes; `Refused` with every problem found otherwise."""
        try:
            return cls.model_validate(dict(data), context=IntakeRules(deployment, now, regions))
        except ValidationError as exc:
            problems: dict[str, RefusalCode] = {}
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "form"
                kind = error["type"]  # a refusal code where a check below refused
                code = cast(RefusalCode, kind) if kind in REFUSAL_CODES else _FIELD_REFUSALS.get(field, "form_broken")
                problems.setdefault(field, code)
            raise Refused(problems) from None

    @property
    def anonymous(self) -> bool:
        """Nobody vouches for the number (the contact form)."""
        return self.channel in ANONYMOUS_CHANNELS

    @field_validator("source_key")
    @classmethod
    def _source_key(cls, value: str) -> str:
        if not 0 < len(value) <= SOURCE_KEY_LENGTH:
            raise _refuse("form_broken")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str, info: ValidationInfo) -> str:
        rules = _rules(info)
        if rules.deployment.region(value) is None or (rules.regions is not None and value not in rules.regions):
            raise _refuse("region_unknown")
        return value

    @field_validator("ad_hoc_talk")
    @classmethod
    def _ad_hoc_talk(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("channel") != "walk_in":
            raise _refuse("form_broken")  # only the desk settles a concern on the spot
        return value

    @field_validator("callback_number")
    @classmethod
    def _callback_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        rules, channel, typed = _rules(info), info.data.get("channel"), _text(value)
        if typed is None:
            if channel in NUMBER_CHANNELS and not info.data.get("ad_hoc_talk"):
                raise _refuse("phone_missing")
            return None
        # An anonymous form that makes the job centre dial abroad invites toll fraud; staff and
        # callers may give a foreign mobile (see callbacks.callback_numbers).
        foreign_mobiles = channel not in ANONYMOUS_CHANNELS
        try:
            return callback_number(typed, rules.deployment, foreign_mobiles=foreign_mobiles)
        except NumberRefused as refused:
            if channel == "voicemail":
                return None  # the message is kept; a number we would not dial is not
            raise _refuse(refused.code) from None

    @field_validator("customer_name")
    @classmethod
    def _customer_name(cls, value: str | None) -> str | None:
        name = _text(value)
        if name is not None and len(name) > MAX_NAME:
            raise _refuse("name_too_long")
        return name

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str | None, info: ValidationInfo) -> str | None:
        topic = _text(value)
        if topic is None:
            if info.data.get("channel") in TYPED_CHANNELS:
                raise _refuse("topic_missing")
            return None
        if _rules(info).deployment.topic(topic) is None:
            raise _refuse("topic_unknown")
        return topic

    @field_validator("urgency", mode="before")
    @classmethod
    def _urgency(cls, value: object, info: ValidationInfo) -> object:
        if value in (None, ""):
            return None
        if value not in ("urgent", "normal") or info.data.get("channel") in ANONYMOUS_CHANNELS:
            raise _refuse("urgency_unknown")  # the public does not choose its own urgency
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str, info: ValidationInfo) -> str:
        region = _rules(info).deployment.region(str(info.data.get("region", "")))
        if region is None:
            return value  # the region is refused already
        if not value:
            return region.default_language
        if value not in region.languages:
            raise _refuse("language_unknown")
        return value

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | None, info: ValidationInfo) -> str | None:
        note = _text(value)
        if note is None:
            if info.data.get("channel") in TYPED_CHANNELS and not info.data.get("ad_hoc_talk"):
                raise _refuse("note_missing")
            return None
        if len(note) > MAX_NOTE:
            raise _refuse("note_too_long")
        return note

    @field_validator("window_start", "window_end", "queued_at", mode="before")
    @classmethod
    def _no_moment(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("window_start", "queued_at")
    @classmethod
    def _in_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(dt.UTC) if value else None

    @field_validator("window_end")
    @classmethod
    def _window_end(cls, value: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        if "window_start" not in info.data:
            return value  # the start is refused already
        start, end = info.data["window_start"], value.astimezone(dt.UTC) if value else None
        if (start is None) != (end is None):
            raise _refuse("window_incomplete")
        if start is not None and end is not None:
            if end <= start:
                raise _refuse("window_reversed")
            if end <= _rules(info).now:
                raise _refuse("window_past")
        return end


@dataclass(frozen=True)
class Intake:
    concern: Concern
    created: bool  # a new concern (not merged, not a repeat)
    merged: bool  # joined an open concern of the same number and region


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
    seen = await _seen(session, new.source_key)
    if seen is not None:
        return Intake(seen, created=False, merged=False)
    region = deployment.region(new.region)
    if region is None:
        raise ValueError(f"region {new.region} is not in the deployment it was checked against")
    topic = deployment.topic(new.topic) if new.topic else None
    urgency: Urgency = new.urgency or (topic.urgency if topic else "normal")
    other: Concern | None = None
    if new.anonymous:
        # Another person's concern is only pointed at, for staff; nothing of it is read or changed.
        other = await _open_concern_of(session, new, verified_only=False)
        concern = _concern(new, urgency, region, deployment, now, linked=other)
    else:
        joined = await _open_concern_of(session, new, verified_only=True)
        if joined is not None:
            if not await _source_taken_by(session, new.source_key, joined):
                # The same delivery, retried at once, got here first (its source row was not yet
                # there when this one looked): a repeat, changing nothing.
                return Intake(await _seen(session, new.source_key) or joined, created=False, merged=False)
            await _merge(session, joined, new, urgency, region, deployment, now, pseudonymiser, actor_id)
            return Intake(joined, created=False, merged=True)
        concern = _concern(new, urgency, region, deployment, now, linked=None)
    try:
        async with session.begin_nested():
            session.add(concern)
            await session.flush()
            session.add(ConcernSource(source_key=new.source_key, concern_id=concern.id))
            await session.flush()
    except IntegrityError:
        # The same delivery arrived twice at once and the other one won; use its concern.
        found = await _seen(session, new.source_key)
        if found is None:
            raise
        return Intake(found, created=False, merged=False)
    detail: dict[str, Any] = {"channel": new.channel}
    if new.anonymous and other is not None:
        detail["other"] = other.reference
    await note_history(session, concern, "created", now, actor_id, detail)
    if not new.anonymous:
        await _link_unverified(session, concern, now)
    await record_contact_event(
        session,
        pseudonymiser=pseudonymiser,
        at=now,
        channel=_CONTACT_CHANNEL[new.channel],
        kind=_RAISED_KIND.get(new.channel, "concern_raised"),
        region=region.id,
        caller=concern.callback_number,
        reference=f"concern:{concern.reference}",
        wait_seconds=int((now - new.queued_at).total_seconds()) if new.queued_at else None,
        duration_seconds=new.recording_duration,
        detail={"urgency": urgency, "topic": new.topic, "language": concern.language, "call": new.call_sid},
        event_id=f"{new.source_key}:raised",
    )
    return Intake(concern, created=True, merged=False)


async def _source_taken_by(session: AsyncSession, source_key: str, concern: Concern) -> bool:
    """Record that this delivery joined `concern`; False if the delivery was recorded already."""
    inserted = await session.execute(
        insert_new(session, ConcernSource, "source_key").values(source_key=source_key, concern_id=concern.id)
    )
    return bool(getattr(inserted, "rowcount", 0))


async def _seen(session: AsyncSession, source_key: str) -> Concern | None:
    source = await session.get(ConcernSource, source_key)
    if source is None:
        return None
    concern = await session.get(Concern, source.concern_id)
    assert concern is not None
    return concern


async def _open_concern_of(session: AsyncSession, new: NewConcern, *, verified_only: bool) -> Concern | None:
    """The open concern of the same number and region to join (or, for anonymous input, to
    point at): verified ones first, the oldest first."""
    if new.callback_number is None or new.ad_hoc_talk:
        return None
    query = select(Concern).where(
        Concern.callback_number == new.callback_number,
        Concern.region == new.region,
        Concern.status != "closed",
    )
    if verified_only:
        query = query.where(Concern.unverified.is_(False))
    candidate = await session.scalar(query.order_by(Concern.unverified, Concern.created_at, Concern.id).limit(1))
    # Two recordings do not fit one concern; the second voicemail stands on its own.
    if candidate is not None and new.recording_sid and candidate.recording_sid:
        return None
    return candidate


async def _merge(
    session: AsyncSession,
    concern: Concern,
    new: NewConcern,
    urgency: Urgency,
    region: Region,
    deployment: Deployment,
    now: dt.datetime,
    pseudonymiser: Pseudonymiser,
    actor_id: int | None,
) -> None:
    if urgency == "urgent" and concern.urgency != "urgent":
        concern.urgency = "urgent"
        concern.due_at = min(concern.due_at, due_at(now, "urgent", region, deployment))
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
        region=region.id,
        caller=new.callback_number,
        reference=f"concern:{concern.reference}",
        detail={"urgency": urgency, "topic": new.topic},
        event_id=f"{new.source_key}:merged",
    )


async def _link_unverified(session: AsyncSession, concern: Concern, now: dt.datetime) -> None:
    """Point open unverified concerns of the same number that point nowhere yet at this new,
    verified one: the contact form came first, the number itself (or the desk) followed."""
    if concern.callback_number is None or concern.status == "closed":
        return
    waiting = await session.scalars(
        select(Concern).where(
            Concern.callback_number == concern.callback_number,
            Concern.region == concern.region,
            Concern.status != "closed",
            Concern.unverified.is_(True),
            Concern.linked_concern_id.is_(None),
        )
    )
    for unverified in waiting:
        unverified.linked_concern_id = concern.id
        await note_history(session, unverified, "linked", now, None, {"other": concern.reference})


def _concern(
    new: NewConcern,
    urgency: Urgency,
    region: Region,
    deployment: Deployment,
    now: dt.datetime,
    *,
    linked: Concern | None,
) -> Concern:
    return Concern(
        reference=new_reference(),
        region=region.id,
        channel=new.channel,
        status="closed" if new.ad_hoc_talk else "open",
        urgency=urgency,
        topic=new.topic,
        callback_number=new.callback_number,
        customer_name=new.customer_name,
        note=new.note,
        language=new.language or region.default_language,
        window_start=new.window_start,
        window_end=new.window_end,
        ad_hoc_talk=new.ad_hoc_talk,
        queued_at=new.queued_at,
        created_at=now,
        due_at=due_at(now, urgency, region, deployment),
        source_key=new.source_key,
        call_sid=new.call_sid,
        recording_sid=new.recording_sid,
        recording_url=new.recording_url,
        recording_duration=new.recording_duration,
        attempts=0,
        closed_at=now if new.ad_hoc_talk else None,
        outcome="settled" if new.ad_hoc_talk else None,
        unverified=new.anonymous,
        linked_concern_id=linked.id if linked is not None else None,
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
