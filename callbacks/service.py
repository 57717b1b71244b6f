"""Use cases of the concern queue that telephony needs: callback requests and voicemail."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.models import Concern
from config.deployment import Deployment, Region
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from routing import due_at

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone


def new_reference() -> str:
    """A reference such as "K7PX-3QF9": short enough to read out, too many to guess."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


async def request_callback(
    session: AsyncSession,
    *,
    deployment: Deployment,
    region: Region,
    number: str,
    language: str,
    now: dt.datetime,
    pseudonymiser: Pseudonymiser,
    call_sid: str | None = None,
    queued_at: dt.datetime | None = None,
    source_key: str | None = None,
    channel: Literal["phone_callback", "sms"] = "phone_callback",
) -> Concern:
    """Record a callback request; the same call (or SMS) asking twice gets the same concern back."""
    key = source_key or (f"{call_sid}:callback" if call_sid else f"callback:{secrets.token_hex(8)}")
    concern = Concern(
        region=region.id,
        channel=channel,
        callback_number=number,
        language=language,
        queued_at=queued_at,
        call_sid=call_sid,
        source_key=key,
    )
    stored = await _add_once(session, concern, deployment, region, now)
    await record_contact_event(
        session,
        pseudonymiser=pseudonymiser,
        at=now,
        channel="callback",
        kind="callback_requested",
        region=region.id,
        caller=number,
        reference=f"concern:{stored.reference}",
        wait_seconds=int((now - queued_at).total_seconds()) if queued_at else None,
        detail={"language": language, "call": call_sid},
        event_id=f"{stored.source_key}:requested",
    )
    return stored


async def leave_voicemail(
    session: AsyncSession,
    *,
    deployment: Deployment,
    region: Region,
    number: str | None,
    language: str,
    now: dt.datetime,
    pseudonymiser: Pseudonymiser,
    call_sid: str,
    recording_sid: str,
    recording_url: str,
    duration_seconds: int,
    queued_at: dt.datetime | None = None,
) -> Concern:
    """Record a voicemail as a concern; a repeated delivery of the same recording changes nothing."""
    concern = Concern(
        region=region.id,
        channel="voicemail",
        callback_number=number,
        language=language,
        queued_at=queued_at,
        call_sid=call_sid,
        recording_sid=recording_sid,
        recording_url=recording_url,
        recording_duration=duration_seconds,
        source_key=f"{recording_sid}:voicemail",
    )
    stored = await _add_once(session, concern, deployment, region, now)
    await record_contact_event(
        session,
        pseudonymiser=pseudonymiser,
        at=now,
        channel="voicemail",
        kind="voicemail_left",
        region=region.id,
        caller=number,
        reference=f"concern:{stored.reference}",
        duration_seconds=duration_seconds,
        detail={"language": language, "call": call_sid},
        event_id=f"{stored.source_key}:left",
    )
    return stored


async def attach_recording_details(
    session: AsyncSession,
    *,
    recording_sid: str,
    recording_url: str | None = None,
    duration_seconds: int | None = None,
    transcript: str | None = None,
) -> bool:
    """Complete a voicemail with what arrives later (URL, length, transcript); False if unknown."""
    concern = await session.scalar(select(Concern).where(Concern.recording_sid == recording_sid))
    if concern is None:
        return False
    if recording_url:
        concern.recording_url = recording_url
    if duration_seconds is not None:
        concern.recording_duration = duration_seconds
    if transcript:
        concern.transcript = transcript
    return True


async def _add_once(
    session: AsyncSession, concern: Concern, deployment: Deployment, region: Region, now: dt.datetime
) -> Concern:
    existing = await session.scalar(select(Concern).where(Concern.source_key == concern.source_key))
    if existing is not None:
        return existing
    concern.created_at = now
    concern.status = "open"
    concern.urgency = "normal"
    concern.due_at = due_at(now, "normal", region, deployment)
    concern.reference = new_reference()
    try:
        async with session.begin_nested():
            session.add(concern)
    except IntegrityError:
        # The same webhook arrived twice at once and the other delivery won; use its concern.
        existing = await session.scalar(select(Concern).where(Concern.source_key == concern.source_key))
        if existing is None:
            raise
        return existing
    return concern


async def find_concern(session: AsyncSession, reference: str) -> Concern | None:
    return await session.scalar(select(Concern).where(Concern.reference == reference))
