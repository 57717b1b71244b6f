"""The concern queue as JSON: list and create (front desk), detail, claim and close.

Errors are JSON with a code and, for bad input, the field, the refusal's code and its German
message, worded as the desk and the contact form word it (callbacks.refusals); refusals of the
guard (401/403) are mapped by the service's error middleware.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.claims import ClaimConflict, claim
from callbacks.concern_lookup import served_concern
from callbacks.identifiers import is_form_id, source_key
from callbacks.intake import UNVERIFIED_MARK, NewConcern, raise_concern
from callbacks.linked_concerns import links_of
from callbacks.models import CONCERN_CHANNELS, Concern
from callbacks.outcomes import InvalidConcern, close_concern, parse_outcome
from callbacks.refusals import RefusalCode, Refused, message
from callbacks.worklist import Filters, history, worklist
from config.deployment import Deployment
from contacts.pseudonyms import Pseudonymiser
from staff.accounts import StaffMember
from staff.web import CURRENT_MEMBER, require_role
from storage.clock import Clock

MAX_LIMIT = 500
SOURCE_PREFIX = "api:"
# The intake names its inputs after the concern's columns; the API after its JSON fields.
_FIELD_OF_INPUT = {"callback_number": "phone", "customer_name": "name", "source_key": "request_id"}


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
        "unverified": concern.unverified,
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _invalid(field: str, text: str) -> web.Response:
    return web.json_response({"error": "invalid", "field": field, "message": text}, status=400)


def _refused(problems: dict[str, RefusalCode]) -> web.Response:
    """The first problem as the answer, all of them in `problems`, each with code and message."""
    listed = [{"field": field, "code": code, "message": message(code)} for field, code in problems.items()]
    return web.json_response({"error": "invalid", **listed[0], "problems": listed}, status=400)


@dataclass(frozen=True)
class ConcernApi:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    clock: Clock
    pseudonymiser: Pseudonymiser

    @require_role("counsellor", "desk", "planner", "auditor")  # the list holds no personal data
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
            listed = await worklist(
                session, filters, now=self.clock(), limit=min(int(limit) if limit.isdigit() else 100, MAX_LIMIT)
            )
        return web.json_response({"concerns": [concern_summary(row.concern) for row in listed]})

    @require_role("desk")
    async def create(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _refused({"body": "body_invalid"})
        if not isinstance(body, dict):
            return _refused({"body": "body_invalid"})
        now = self.clock()
        try:
            new = self._new_concern(body, member, now)
        except Refused as refused:
            return _refused(refused.problems)
        async with self.sessions.begin() as session:
            intake = await raise_concern(
                session, new, deployment=self.deployment, now=now, pseudonymiser=self.pseudonymiser, actor_id=member.id
            )
        result = concern_summary(intake.concern) | {"merged": intake.merged}
        return web.json_response(result, status=201 if intake.created else 200)

    def _new_concern(self, body: dict[str, Any], member: StaffMember, now: dt.datetime) -> NewConcern:
        """The walk-in concern the body describes, checked like the desk form's."""
        request_id = body.get("request_id")
        key = ""
        problems: dict[str, RefusalCode] = {}
        if isinstance(request_id, str) and is_form_id(request_id):
            key = source_key(f"{SOURCE_PREFIX}{member.id}:", request_id)
        else:
            problems["request_id"] = "request_id_invalid"
        try:
            new = NewConcern.check(
                {
                    "channel": "walk_in",
                    "source_key": key,
                    "region": body.get("region"),
                    "ad_hoc_talk": body.get("ad_hoc_talk") or False,
                    "callback_number": body.get("phone"),
                    "customer_name": body.get("name"),
                    "topic": body.get("topic"),
                    "urgency": body.get("urgency"),
                    "language": body.get("language") or "",
                    "note": body.get("note"),
                    "window_start": body.get("window_start"),
                    "window_end": body.get("window_end"),
                },
                deployment=self.deployment,
                now=now,
                regions=frozenset(r.id for r in self.deployment.regions if member.may_serve(r.id)),
            )
        except Refused as refused:
            for field, code in refused.renamed(_FIELD_OF_INPUT).items():
                problems.setdefault(field, code)
        if problems:
            raise Refused(problems)
        return new

    @require_role("counsellor", "desk")
    async def detail(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        async with self.sessions() as session:
            concern = await served_concern(session, request, member)
            entries = await history(session, concern)
            links = await links_of(session, concern)
        return web.json_response(
            concern_summary(concern)
            | {
                "callback_number": concern.callback_number,
                "customer_name": concern.customer_name,
                "note": concern.note,
                "language": concern.language,
                "transcript": concern.transcript,
                "has_recording": bool(concern.recording_sid and not concern.recording_deleted_at),
                "mark": UNVERIFIED_MARK if concern.unverified else None,
                "linked_to": links.linked_to,
                "linked_from": links.linked_from,
                "history": [{"at": _iso(e.at), "kind": e.kind, "detail": e.detail} for e in entries],
            }
        )

    @require_role("counsellor")
    async def claim(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        try:
            async with self.sessions.begin() as session:
                concern = await served_concern(session, request, member)
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
                concern = await served_concern(session, request, member)
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

