"""Use cases of the concern queue that telephony needs: callback requests and voicemail.

Both raise their concern through the one intake (`callbacks.intake`); the number is the
caller's line or one they keyed in, so a second request of the same number joins the open one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.intake import NewConcern, raise_concern
from callbacks.models import Concern
from callbacks.recording_news import complete_voicemail, hand_over_news
from config.deployment import Deployment, Region
from contacts.pseudonyms import Pseudonymiser


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
    new = NewConcern.check(
        {
            "region": region.id,
            "channel": channel,
            "language": language,
            "source_key": key,
            "callback_number": number,
            "queued_at": queued_at,
            "call_sid": call_sid,
        },
        deployment=deployment,
        now=now,
    )
    intake = await raise_concern(session, new, deployment=deployment, now=now, pseudonymiser=pseudonymiser)
    return intake.concern


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
    duration_seconds: int | None,
    queued_at: dt.datetime | None = None,
) -> Concern:
    """Record a voicemail as a concern, with what Twilio told before it (the transcript, say);
    a repeated delivery of the same recording changes nothing."""
    new = NewConcern.check(
        {
            "region": region.id,
            "channel": "voicemail",
            "language": language,
            "source_key": f"{recording_sid}:voicemail",
            "callback_number": number,
            "queued_at": queued_at,
            "call_sid": call_sid,
            "recording_sid": recording_sid,
            "recording_url": recording_url,
            "recording_duration": duration_seconds,
        },
        deployment=deployment,
        now=now,
    )
    intake = await raise_concern(session, new, deployment=deployment, now=now, pseudonymiser=pseudonymiser)
    await hand_over_news(session, intake.concern)
    return intake.concern


async def attach_recording_details(
    session: AsyncSession,
    *,
    recording_sid: str,
    recording_url: str | None = None,
    duration_seconds: int | None = None,
    transcript: str | None = None,
) -> bool:
    """Complete a voicemail with what arrives later (URL, length, transcript); False if unknown,
    or if its recording is deleted already.

    The concern also takes over any news of its recording still waiting, so a transcript is
    never kept twice (once here, once waiting) and goes when the concern's data is erased."""
    concern = await session.scalar(select(Concern).where(Concern.recording_sid == recording_sid))
    # A callback retried after the retention jobs ran must not bring back what they erased.
    if concern is None or concern.recording_deleted_at is not None:
        return False
    complete_voicemail(concern, recording_url=recording_url, duration_seconds=duration_seconds, transcript=transcript)
    await hand_over_news(session, concern)
    return True
