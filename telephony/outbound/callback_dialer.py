"""The Twilio edge's side of calling customers back: rings the counsellor for an attempt,
sends SMS from a region's number, and fetches voicemail audio for the player."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import CallbackAttempt
from callbacks.ports import DialError, RecordingAudio
from config.deployment import Deployment
from staff.profile import phone_of
from telephony.edge.links import Links
from telephony.outbound.outbox import SimulatedOutbound
from telephony.outbound.port import OutboundError, OutboundPort

NO_PHONE = "Bitte hinterlegen Sie in Ihrem Profil die Telefonnummer, unter der Sie Anrufe annehmen."


@dataclass(frozen=True)
class TelephonyCallbackDialer:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    outbound: Callable[[], OutboundPort]
    links: Links

    @property
    def rings_phones(self) -> bool:
        return not isinstance(self.outbound(), SimulatedOutbound)

    async def dial(self, *, attempt_id: int, counsellor_id: int, region_id: str) -> str:
        async with self.sessions() as session:
            phone = await phone_of(session, counsellor_id)  # the profile's: no need to take queue calls
        region = self.deployment.region(region_id)
        if not phone or region is None:
            raise DialError(NO_PHONE, no_phone=True)
        try:
            sid = await self.outbound().place_call(
                to=phone,
                from_=region.numbers[0],
                url=self.links.absolute("twilio-attempt-connect", attempt=attempt_id),
                status_callback=self.links.absolute("twilio-attempt-status", attempt=attempt_id),
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
