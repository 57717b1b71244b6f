"""The outbound port: what the service asks of the telephone network, whoever carries it out.

Two adapters implement it: `telephony.outbound.twilio_rest.TwilioOutbound` (Twilio's REST API) and
`telephony.outbound.outbox.SimulatedOutbound` (writes to a table, for development without Twilio).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

# The call progress events the service wants to hear about, in the order Twilio sends them.
CALL_STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class Recording:
    """The audio of a recording (voicemail), as the player serves it."""

    content_type: str
    data: bytes


class OutboundError(Exception):
    """An outbound action failed. `permanent` means retrying the same request cannot help
    (a rejected number, bad credentials); otherwise the network or Twilio may recover."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class OutboundPort(Protocol):
    async def place_call(
        self,
        *,
        to: str,
        from_: str,
        url: str,
        status_callback: str,
        machine_detection: bool = False,
        timeout_seconds: int = 30,
    ) -> str:
        """Dial `to` from `from_`; on answer Twilio fetches TwiML from `url`. Returns the CallSid.
        `status_callback` hears the events in `CALL_STATUS_EVENTS`."""
        ...

    async def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None = None) -> str:
        """Send a text message; returns the MessageSid."""
        ...

    async def hang_up(self, call_sid: str) -> None:
        """End a call, whether it is still ringing or already connected."""
        ...

    async def fetch_recording(self, recording_sid: str) -> Recording:
        """The audio of a recording."""
        ...

    async def delete_recording(self, recording_sid: str) -> None:
        """Delete a recording; deleting one that is already gone succeeds."""
        ...

    async def close(self) -> None:
        """Release connections; the adapter is not used afterwards."""
        ...


def check_sid(sid: str, prefix: str) -> None:
    """Refuse anything but a well-formed SID of the expected kind: SIDs end up in URL paths,
    and the simulator refuses what Twilio would, so mistakes show up offline too."""
    if not (_SID.fullmatch(sid) and sid.startswith(prefix)):
        raise OutboundError(f"not a Twilio SID starting with {prefix}: {sid[:40]!r}", permanent=True)
