"""What the concern queue needs from the telephone network, named here and plugged in by
`service` (the Twilio edge implements it), so this slice never imports the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class DialError(Exception):
    """The network could not be asked (an outage) or the counsellor has no phone; German message."""

    def __init__(self, reason: str, *, no_phone: bool = False) -> None:
        super().__init__(reason)
        self.no_phone = no_phone  # the page then links to the profile, where the phone is set


@dataclass(frozen=True)
class RecordingAudio:
    content_type: str
    data: bytes


class CallbackDialer(Protocol):
    @property
    def rings_phones(self) -> bool:
        """False where calls only go to the local outbox (no Twilio account): no phone rings."""
        ...

    async def dial(self, *, attempt_id: int, counsellor_id: int, region_id: str) -> str:
        """Ring the counsellor for this attempt (the customer is bridged when they answer);
        returns the counsellor leg's CallSid."""
        ...

    async def text(self, *, region_id: str, to: str, body: str) -> None:
        """Send an SMS from the region's number."""
        ...

    async def recording(self, recording_sid: str) -> RecordingAudio:
        """The audio of a voicemail, fetched with the service's credentials."""
        ...

    async def delete_recording(self, recording_sid: str) -> None:
        """Delete a voicemail at the network's side; one already gone counts as deleted."""
        ...
