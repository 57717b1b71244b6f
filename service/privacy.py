"""Access and erasure (GDPR Art. 15 and 17) across every slice that holds a number, each recorded
in the audit trail under the number's pseudonym, never the number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.trail import AuditRecord, append
from callbacks.privacy import HeldConcern, concerns_of_number, erase_concern, withdraw_concern
from callbacks.retention import ConcernRetention
from config.deployment import Retention
from contacts.models import ContactEvent
from contacts.privacy import events_of_pseudonym
from contacts.pseudonyms import Pseudonymiser
from formatting.moments import timestamp
from storage.clock import Clock
from video.models import CounsellingBooking, CounsellingInvitation
from video.privacy import bookings_of_number, erase_booking, erase_invitation, invitations_of_number


@dataclass(frozen=True)
class Kept:
    """Something erasure leaves, and the duty or purpose it is kept for."""

    what: str
    why: str


@dataclass(frozen=True)
class Erasure:
    concerns_erased: int
    concerns_withdrawn: int
    recordings_deleted: int
    bookings_erased: int
    bookings_cancelled: int
    invitations_erased: int
    kept: list[Kept] = field(default_factory=list)
    audit_seq: int = 0


@dataclass
class PersonalDataRights:
    sessions: async_sessionmaker[AsyncSession]
    retention: Retention
    clock: Clock
    pseudonymiser: Pseudonymiser
    concerns: ConcernRetention
    actor: str
    zone: dt.tzinfo = dt.UTC  # of the times exported: the deployment's, with their offset

    def _stamp(self, moment: dt.datetime | None) -> str | None:
        return timestamp(moment, self.zone) if moment is not None else None

    async def export(self, e164: str) -> dict[str, Any]:
        """Everything held about `e164`, as plain values (times ISO 8601 in `zone`, with offset)."""
        pseudonym = self.pseudonymiser(e164)
        now = self.clock()
        async with self.sessions.begin() as session:
            concerns = await concerns_of_number(session, e164)
            bookings = await bookings_of_number(session, e164)
            invitations = await invitations_of_number(session, e164)
            events = await events_of_pseudonym(session, pseudonym)
            held = {
                "number": e164,
                "pseudonym": pseudonym,
                "concerns": [_concern(c, self._stamp) for c in concerns if c.concern.recording_sid is None],
                "voicemails": [_concern(c, self._stamp) for c in concerns if c.concern.recording_sid is not None],
                "bookings": [_booking(b, self._stamp) for b in bookings],
                "invitations": [_invitation(i, self._stamp) for i in invitations],
                "contact_events": [_event(e, self._stamp) for e in events],
            }
            counts = {name: len(held[name]) for name in _LISTS}
            await append(session, self._record(now, "exported_personal_data", pseudonym, counts))
        return held

    async def erase(self, e164: str) -> Erasure:
        """Erase `e164` wherever no retention duty applies; open concerns are withdrawn first."""
        pseudonym = self.pseudonymiser(e164)
        now = self.clock()
        async with self.sessions.begin() as session:
            held = await concerns_of_number(session, e164)
            withdrawn = 0
            for item in held:
                if item.concern.status != "closed":
                    await withdraw_concern(session, item.concern, now=now, pseudonymiser=self.pseudonymiser)
                    withdrawn += 1
            recordings = [c.concern.id for c in held if c.concern.recording_sid and not c.concern.recording_deleted_at]
        deleted = 0
        for concern_id in recordings:  # at Twilio, outside the transaction, as the deletion job does
            deleted += await self.concerns.delete_recording_of(concern_id)
        now = self.clock()
        async with self.sessions.begin() as session:
            held = await concerns_of_number(session, e164)
            for item in held:
                await erase_concern(session, item.concern, now=now)
            bookings = await bookings_of_number(session, e164)
            cancelled = sum(erase_booking(b, now=now) for b in bookings)
            invitations = await invitations_of_number(session, e164)
            for invitation in invitations:
                erase_invitation(invitation, now=now)
            events = len(await events_of_pseudonym(session, pseudonym))
            kept = self._kept(events, len(recordings) - deleted)
            counts = {
                "concerns_erased": len(held),
                "concerns_withdrawn": withdrawn,
                "recordings_deleted": deleted,
                "recordings_not_deleted_yet": len(recordings) - deleted,
                "bookings_erased": len(bookings),
                "bookings_cancelled": cancelled,
                "invitations_erased": len(invitations),
                "contact_events_kept": events,
            }
            seq = await append(session, self._record(now, "erased_personal_data", pseudonym, counts))
        return Erasure(len(held), withdrawn, deleted, len(bookings), cancelled, len(invitations), kept, seq)

    def _kept(self, events: int, recordings_left: int) -> list[Kept]:
        r = self.retention
        kept = [
            Kept(
                f"{events} Kontaktereignisse unter Pseudonym (pseudonymised contact events)",
                f"Statistik und Nachweis, {r.contact_log_months} Monate (retention.contact_log_months), dann gelöscht",
            ),
            Kept(
                "anonyme Angaben der Anliegen und Termine: Region, Weg, Zeiten, Ergebnis (anonymous records)",
                "Kapazitätsplanung; ohne Nummer, Name oder Notiz kein Personenbezug",
            ),
            Kept(
                "Einträge im Prüfprotokoll, auch dieser (audit trail records, this one included)",
                f"Nachweispflicht, {r.audit_years} Jahre (retention.audit_years); nur mit Pseudonym",
            ),
        ]
        if recordings_left:
            kept.append(
                Kept(
                    f"{recordings_left} Aufnahme(n) bei Twilio (recordings at Twilio)",
                    "Löschen bei Twilio fehlgeschlagen; der Löschlauf versucht es stündlich erneut",
                )
            )
        return kept

    def _record(self, now: dt.datetime, action: str, pseudonym: str, counts: dict[str, int]) -> AuditRecord:
        return AuditRecord(
            at=now, actor=self.actor, action=action, object_type="number", object_id=pseudonym, detail=counts
        )


_LISTS = ("concerns", "voicemails", "bookings", "invitations", "contact_events")


Stamp = Callable[[dt.datetime | None], str | None]


def _concern(held: HeldConcern, at: Stamp) -> dict[str, Any]:
    c = held.concern
    return {
        "reference": c.reference,
        "region": c.region,
        "channel": c.channel,
        "status": c.status,
        "outcome": c.outcome,
        "topic": c.topic,
        "urgency": c.urgency,
        "name": c.customer_name,
        "note": c.note,
        "created_at": at(c.created_at),
        "due_at": at(c.due_at),
        "closed_at": at(c.closed_at),
        "recording": None
        if c.recording_sid is None
        else {
            "sid": c.recording_sid,
            "duration_seconds": c.recording_duration,
            "deleted_at": at(c.recording_deleted_at),
        },
        "transcript": c.transcript,
        "history": [{"at": at(e.at), "kind": e.kind, "detail": e.detail} for e in held.history],
        "attempts": [{"at": at(a.started_at), "outcome": a.outcome} for a in held.attempts],
    }


def _booking(b: CounsellingBooking, at: Stamp) -> dict[str, Any]:
    return {
        "region": b.region,
        "starts_at": at(b.starts_at),
        "ends_at": at(b.ends_at),
        "mode": b.mode,
        "status": b.status,
        "first_name": b.first_name,
        "note": b.note,
        "booked_at": at(b.booked_at),
    }


def _invitation(i: CounsellingInvitation, at: Stamp) -> dict[str, Any]:
    return {
        "region": i.region,
        "source": i.source,
        "created_at": at(i.created_at),
        "expires_at": at(i.expires_at),
        "spent_at": at(i.spent_at),
    }


def _event(e: ContactEvent, at: Stamp) -> dict[str, Any]:
    return {
        "at": at(e.occurred_at),
        "region": e.region,
        "channel": e.channel,
        "kind": e.kind,
        "reference": e.reference,
        "duration_seconds": e.duration_seconds,
        "wait_seconds": e.wait_seconds,
    }
