"""The simulated outbound port: without Twilio credentials every outbound action lands in the
`telephony_outbox` table, and staff can read it, so the service is fully usable offline."""

from __future__ import annotations

import functools
import io
import secrets
import wave
from collections.abc import Collection
from dataclasses import dataclass

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.deployment import Deployment
from staff.accounts import StaffMember
from staff.web import CURRENT_MEMBER, require_role
from storage.clock import Clock
from telephony.outbound.models import OutboxEntry
from telephony.outbound.port import Recording, check_sid

# German page texts of the kinds; English in locale/en.toml.
KIND_TITLES = {"call": "Anruf", "sms": "SMS", "hang_up": "Auflegen", "delete_recording": "Aufnahme löschen"}


def new_sid(prefix: str) -> str:
    """A SID shaped like Twilio's: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


@functools.cache
def silent_wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A WAV of silence (mono, 16 bit): something for the voicemail player to play offline."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


@dataclass(frozen=True)
class SimulatedOutbound:
    """The outbound port for development: records each action instead of carrying it out."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

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
        """Record the call; returns a CallSid of its own."""
        sid = new_sid("CA")
        await self._record(sid=sid, kind="call", to_number=to, from_number=from_, body=url)
        return sid

    async def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None = None) -> str:
        """Record the text message; returns a MessageSid of its own."""
        sid = new_sid("SM")
        await self._record(sid=sid, kind="sms", to_number=to, from_number=from_, body=body)
        return sid

    async def hang_up(self, call_sid: str) -> None:
        """Record the hang-up, naming the call."""
        check_sid(call_sid, "CA")
        await self._record(kind="hang_up", body=call_sid)

    async def fetch_recording(self, recording_sid: str) -> Recording:
        """A second of silence for any recording."""
        check_sid(recording_sid, "RE")
        return Recording(content_type="audio/wav", data=silent_wav())

    async def delete_recording(self, recording_sid: str) -> None:
        """Record the deletion, naming the recording."""
        check_sid(recording_sid, "RE")
        await self._record(kind="delete_recording", body=recording_sid)

    async def close(self) -> None:
        """Nothing to release: each action used a session of its own."""

    async def _record(
        self,
        *,
        kind: str,
        body: str,
        sid: str | None = None,
        to_number: str | None = None,
        from_number: str | None = None,
    ) -> None:
        entry = OutboxEntry(
            sid=sid, kind=kind, to_number=to_number, from_number=from_number, body=body, created_at=self.clock()
        )
        async with self.sessions.begin() as session:
            session.add(entry)


async def list_outbox(
    session: AsyncSession, limit: int = 100, *, numbers: Collection[str] | None = None
) -> list[OutboxEntry]:
    """The latest outbound actions, newest first. With `numbers` (the hotline numbers of the
    regions a counsellor serves) only what went out from them and the hang-ups of those calls."""
    query = select(OutboxEntry)
    if numbers is not None:
        # Every call and text goes out from its region's number; a hang-up names the call it ends.
        calls = select(OutboxEntry.sid).where(OutboxEntry.kind == "call", OutboxEntry.from_number.in_(numbers))
        query = query.where(
            or_(
                OutboxEntry.from_number.in_(numbers),
                and_(OutboxEntry.kind == "hang_up", OutboxEntry.body.in_(calls.scalar_subquery())),
            )
        )
    query = query.order_by(OutboxEntry.created_at.desc(), OutboxEntry.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


@dataclass(frozen=True)
class OutboxViews:
    """The page listing what the simulator would have sent; times in the deployment's zone. An
    administrator sees everything; a counsellor what went out for the regions they serve."""

    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment

    @require_role("admin", "counsellor")
    async def page(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        everything = member.has_any_role(["admin"])
        numbers = None if everything else self._numbers_of(member)
        async with self.sessions() as session:
            entries = await list_outbox(session, numbers=numbers)
        rows = [
            {
                "at": entry.created_at,
                "kind": KIND_TITLES.get(entry.kind, entry.kind),
                "to": entry.to_number,
                "from": entry.from_number,
                "body": entry.body,
            }
            for entry in entries
        ]
        context = {"rows": rows, "timezone": self.deployment.timezone, "everything": everything}
        return aiohttp_jinja2.render_template("telephony/outbox.html", request, context)

    def _numbers_of(self, member: StaffMember) -> set[str]:
        return {
            number for region in self.deployment.regions if member.may_serve(region.id) for number in region.numbers
        }
