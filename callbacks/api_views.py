"""The concern queue as JSON: list and create (front desk), detail, claim and close.

Errors are JSON with a code and, for bad input, the field and a German message; refusals of
the guard (401/403) are mapped by the service's error middleware.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.callback_numbers import callback_refusal
from callbacks.claims import ClaimConflict, claim
from callbacks.intake import InvalidConcern, NewConcern, raise_concern
from callbacks.models import CONCERN_CHANNELS, Concern
from callbacks.outcomes import close_concern, parse_outcome
from callbacks.worklist import Filters, history, worklist
from config.deployment import Deployment
from config.loader import normalise_number
from contacts.pseudonyms import Pseudonymiser
from staff.accounts import StaffMember
from staff.errors import Forbidden
from staff.web import CURRENT_MEMBER, require_role
from storage.clock import Clock

MAX_LIMIT = 500
NOT_CALLED_BACK = "Diese Nummer rufen wir nicht zurück (Sondernummer, Festnetz im Ausland oder Nummer des Jobcenters)."


def concern_summary(concern: Concern) -> dict[str, Any]:
    """What lists show: no name, number or note (those only in the detail, for the roles that work it)."""
    return {
        "reference": concern.reference,
        "region": concern.region,
        "channel": concern.channel,
        "status": concern.status,
        "urgency": concern.urgency,
        "topic": concern.topic,
        "created_at": _iso(concern.created_at),
        "due_at": _iso(concern.due_at),
        "claimed": concern.claimed_by is not None,
        "attempts": concern.attempts,
        "next_attempt_at": _iso(concern.next_attempt_at),
        "outcome": concern.outcome,
        "closed_at": _iso(concern.closed_at),
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _invalid(field: str, message: str) -> web.Response:
    return web.json_response({"error": "invalid", "field": field, "message": message}, status=400)


@dataclass(frozen=True)
class ConcernApi:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    clock: Clock
    pseudonymiser: Pseudonymiser

    @require_role("counsellor", "desk", "planner")
    async def index(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        allowed = [r.id for r in self.deployment.regions if member.may_serve(r.id)]
        wanted = request.query.get("region")
        status = request.query.get("status", "open")
        if status not in ("open", "unreachable", "closed"):
            return _invalid("status", "Unbekannter Stand.")
        limit = request.query.get("limit", "100")
        filters = Filters(
            regions=[wanted] if wanted in allowed else allowed,
            channel=request.query.get("channel") if request.query.get("channel") in CONCERN_CHANNELS else None,
            topic=request.query.get("topic") or None,
            status=status,
        )
        async with self.sessions() as session:
            concerns = await worklist(session, filters, limit=min(int(limit) if limit.isdigit() else 100, MAX_LIMIT))
        return web.json_response({"concerns": [concern_summary(c) for c in concerns]})

    @require_role("desk")
    async def create(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _invalid("body", "Der Inhalt ist kein JSON.")
        if not isinstance(body, dict):
            return _invalid("body", "Erwartet wird ein JSON-Objekt.")
        try:
            new = self._new_concern(body, member)
            async with self.sessions.begin() as session:
                intake = await raise_concern(
                    session,
                    new,
                    deployment=self.deployment,
                    now=self.clock(),
                    pseudonymiser=self.pseudonymiser,
                    actor_id=member.id,
                )
        except InvalidConcern as exc:
            return _invalid(exc.field, str(exc))
        result = concern_summary(intake.concern) | {"merged": intake.merged}
        return web.json_response(result, status=201 if intake.created else 200)

    def _new_concern(self, body: dict[str, Any], member: StaffMember) -> NewConcern:
        region = self.deployment.region(str(body.get("region", "")))
        if region is None or not member.may_serve(region.id):
            raise InvalidConcern("region", "Unbekannte Region oder nicht Ihre Region.")
        phone = normalise_number(str(body.get("phone", ""))[:40])
        if phone is None:
            raise InvalidConcern("phone", "Die Rufnummer ist ungültig.")
        if callback_refusal(phone, self.deployment, foreign_mobiles=True):
            raise InvalidConcern("phone", NOT_CALLED_BACK)
        request_id = str(body.get("request_id", ""))[:60]
        if len(request_id) < 8:
            raise InvalidConcern("request_id", "Bitte eine eindeutige request_id (mindestens 8 Zeichen) mitsenden.")
        urgency = body.get("urgency")
        if urgency not in (None, "urgent", "normal"):
            raise InvalidConcern("urgency", "Dringlichkeit ist urgent oder normal.")
        language = str(body.get("language") or region.default_language)
        if language not in region.languages:
            raise InvalidConcern("language", "Diese Sprache bietet die Region nicht an.")
        note = body.get("note")
        if not (isinstance(note, str) and note.strip()) and not body.get("ad_hoc_talk"):
            raise InvalidConcern("note", "Bitte das Anliegen kurz beschreiben.")
        return NewConcern(
            region=region,
            channel="walk_in",
            language=language,
            source_key=f"api:{member.id}:{request_id}",
            callback_number=phone,
            topic=str(body["topic"]) if body.get("topic") else None,
            urgency=urgency,
            customer_name=str(body["name"]).strip() if body.get("name") else None,
            note=note.strip() if isinstance(note, str) else None,
            window_start=_moment(body.get("window_start"), "window_start"),
            window_end=_moment(body.get("window_end"), "window_end"),
            ad_hoc_talk=bool(body.get("ad_hoc_talk")),
        )

    @require_role("counsellor", "desk")
    async def detail(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        async with self.sessions() as session:
            concern = await self._concern(session, request, member)
            entries = await history(session, concern)
        return web.json_response(
            concern_summary(concern)
            | {
                "callback_number": concern.callback_number,
                "customer_name": concern.customer_name,
                "note": concern.note,
                "language": concern.language,
                "transcript": concern.transcript,
                "has_recording": bool(concern.recording_sid and not concern.recording_deleted_at),
                "history": [{"at": _iso(e.at), "kind": e.kind, "detail": e.detail} for e in entries],
            }
        )

    @require_role("counsellor")
    async def claim(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        try:
            async with self.sessions.begin() as session:
                concern = await self._concern(session, request, member)
                await claim(
                    session,
                    concern,
                    user_id=member.id,
                    now=self.clock(),
                    lease=self.deployment.callbacks.claim_lease,
                    pseudonymiser=self.pseudonymiser,
                )
        except ClaimConflict as exc:
            return web.json_response({"error": "conflict", "message": str(exc)}, status=409)
        return web.json_response(concern_summary(concern) | {"claim_expires_at": _iso(concern.claim_expires_at)})

    @require_role("counsellor")
    async def close(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _invalid("body", "Der Inhalt ist kein JSON.")
        try:
            async with self.sessions.begin() as session:
                concern = await self._concern(session, request, member)
                outcome = parse_outcome(str(body.get("outcome", "")) if isinstance(body, dict) else "")
                await close_concern(
                    session,
                    concern,
                    user_id=member.id,
                    outcome=outcome,
                    now=self.clock(),
                    pseudonymiser=self.pseudonymiser,
                )
        except ClaimConflict as exc:
            return web.json_response({"error": "conflict", "message": str(exc)}, status=409)
        except InvalidConcern as exc:
            return _invalid(exc.field, str(exc))
        return web.json_response(concern_summary(concern))

    async def _concern(self, session: AsyncSession, request: web.Request, member: StaffMember) -> Concern:
        concern = await session.scalar(select(Concern).where(Concern.reference == request.match_info["reference"]))
        if concern is None:
            raise web.HTTPNotFound()
        if not member.may_serve(concern.region):
            raise Forbidden("this concern belongs to another region")
        return concern


def _moment(value: object, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidConcern(field, "Zeitangabe im Format ISO 8601 mit Zeitzone erwartet.") from None
    if moment.tzinfo is None:
        raise InvalidConcern(field, "Zeitangabe im Format ISO 8601 mit Zeitzone erwartet.")
    return moment
