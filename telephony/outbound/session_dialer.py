"""Phone sessions of counselling, started on time: the scheduled job claims the sessions due now
and rings each one's counsellor from the region's number; when the counsellor answers,
`telephony.counsellors.counselling_calls` dials the customer, as "call now" does for callbacks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from config.deployment import Deployment
from telephony.edge.links import Links
from telephony.outbound.port import OutboundError, OutboundPort
from video.service import Counselling
from video.values import PhoneSession

log = logging.getLogger("hotline.twilio")
NO_COUNSELLOR_PHONE = "no counsellor phone"


@dataclass(frozen=True)
class PhoneSessionDialer:
    counselling: Counselling
    deployment: Deployment
    outbound: Callable[[], OutboundPort]
    links: Links

    async def ring_due(self) -> int:
        """Ring the counsellor of every phone session due now; each is claimed in the database
        first, so however many processes run this, a session is rung once. Returns how many rang."""
        rung = 0
        for session in await self.counselling.claim_due_phone_sessions():
            rung += await self._ring(session)
        return rung

    async def _ring(self, session: PhoneSession) -> int:
        region = self.deployment.region(session.region)
        if session.counsellor_phone is None or region is None:
            await self.counselling.note_session_call(session.booking_id, state="failed", error=NO_COUNSELLOR_PHONE)
            return 0
        try:
            sid = await self.outbound().place_call(
                to=session.counsellor_phone,
                from_=region.numbers[0],
                url=self.links.absolute("twilio-session-connect", booking=session.booking_id),
                status_callback=self.links.absolute("twilio-session-status", booking=session.booking_id),
            )
        except OutboundError as exc:
            log.warning("phone session not rung", extra={"booking": session.booking_id, "reason": str(exc)})
            await self.counselling.note_session_call(session.booking_id, state="failed", error=str(exc))
            return 0
        except Exception:  # claimed already: the next session must still ring, and this one say why not
            log.exception("phone session not rung", extra={"booking": session.booking_id})
            await self.counselling.note_session_call(session.booking_id, state="failed", error="dialling failed")
            return 0
        await self.counselling.note_session_call(
            session.booking_id, state="ringing_counsellor", counsellor_call_sid=sid
        )
        return 1
