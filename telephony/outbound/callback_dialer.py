"""The Twilio edge's side of calling customers back: rings the counsellor for an attempt,
sends SMS from a region's number, and fetches voicemail audio for the player."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import CallbackAttempt
from callbacks.ports import DialError, RecordingAudio
from config.deployment import Deployment
from telephony.counsellors.availability import presence_of
from telephony.inbound.recordings import forget_recording
from telephony.outbound.port import OutboundError, OutboundPort

NO_PHONE = (
    "Bitte hinterlegen Sie auf der Seite „Beratung und Rückrufe“ die Telefonnummer, unter der Sie Anrufe annehmen."
)


@dataclass(frozen=True)
class TelephonyCallbackDialer:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    outbound: Callable[[], OutboundPort]
    public_url: str

    async def dial(self, *, attempt_id: int, counsellor_id: int, region_id: str) -> str:
        async with self.sessions() as session:
            presence = await presence_of(session, counsellor_id)
        region = self.deployment.region(region_id)
        if presence is None or not presence.phone or region is None:
            raise DialError(NO_PHONE)
        base = f"{self.public_url}/twilio/attempt"
        try:
            sid = await self.outbound().place_call(
                to=presence.phone,
                from_=region.numbers[0],
                url=f"{base}/connect?attempt={attempt_id}",
                status_callback=f"{base}/status?attempt={attempt_id}",
            )
        except OutboundError as exc:
            raise DialError(str(exc)) from exc
        async with self.sessions.begin() as session:
            attempt = await session.get(CallbackAttempt, attempt_id)
            if attempt is not None:
                attempt.counsellor_call_sid = sid
        return sid

    async def text(self, *, region_id: str, to: str, body: str) -> None:
        region = self.deployment.region(region_id)
        if region is None:
            raise DialError(f"unknown region {region_id}")
        try:
            await self.outbound().send_sms(to=to, from_=region.numbers[0], body=body)
        except OutboundError as exc:
            raise DialError(str(exc)) from exc

    async def recording(self, recording_sid: str) -> RecordingAudio:
        try:
            audio = await self.outbound().fetch_recording(recording_sid)
        except OutboundError as exc:
            raise DialError(str(exc)) from exc
        return RecordingAudio(audio.content_type, audio.data)

    async def delete_recording(self, recording_sid: str) -> None:
        try:
            await self.outbound().delete_recording(recording_sid)
        except OutboundError as exc:
            raise DialError(str(exc)) from exc
        # What the recording callbacks told us (its URL, the transcript) goes with the recording.
        async with self.sessions.begin() as session:
            await forget_recording(session, recording_sid)
