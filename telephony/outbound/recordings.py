"""Deleting recordings through the outbound port, with the concern queue's error (for commands,
which have no dialer: that needs the app's routes)."""

from __future__ import annotations

from collections.abc import Callable

from callbacks.ports import DialError
from telephony.outbound.port import OutboundError, OutboundPort


class RecordingsAtNetwork:
    def __init__(self, outbound: Callable[[], OutboundPort]) -> None:
        self.outbound = outbound

    async def delete_recording(self, recording_sid: str) -> None:
        """Delete at Twilio (or in the simulator's outbox); `DialError` when it cannot be done now."""
        try:
            await self.outbound().delete_recording(recording_sid)
        except OutboundError as exc:
            raise DialError(str(exc)) from exc
