"""The counsellors' worklist: the queue of a region, taking the next concern, and the status
board. One concern in detail lives in concern_views."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.claims import claim_next
from callbacks.linked_concerns import linked_references
from callbacks.models import CONCERN_CHANNELS, Concern
from callbacks.worklist import Filters, due_state, status_board, worklist
from config.deployment import Deployment
from contacts.pseudonyms import Pseudonymiser
from staff.accounts import StaffMember
from staff.web import CURRENT_MEMBER, require_role, see_other
from storage.clock import Clock

log = logging.getLogger("hotline.personal_data")
CHANNEL_TITLES = {
    "phone_callback": "Rückrufwunsch (Telefon)",
    "voicemail": "Sprachnachricht",
    "walk_in": "Empfang",
    "web_form": "Kontaktformular",
    "sms": "SMS",
}
STATE_TITLES = {"overdue": "überfällig", "due_soon": "bald fällig", "on_time": "im Plan", "closed": "abgeschlossen"}
NOTHING_TO_DO = "Zurzeit ist kein Anliegen frei. Gut gemacht!"


@dataclass(frozen=True)
class WorklistViews:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    clock: Clock
    pseudonymiser: Pseudonymiser

    @require_role("counsellor")
    async def index(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        regions = self._regions(member, request.query.get("region"))
        filters = Filters(
            regions=regions,
            channel=request.query.get("channel") if request.query.get("channel") in CONCERN_CHANNELS else None,
            topic=request.query.get("topic") if self.deployment.topic(request.query.get("topic", "")) else None,
            status="unreachable" if request.query.get("status") == "unreachable" else "open",
        )
        now = self.clock()
        async with self.sessions() as session:
            concerns = await worklist(session, filters)
            linked = await linked_references(session, concerns)
        rows = [self._row(c, now, linked.get(c.id)) for c in concerns]
        context = {
            "rows": rows,
            "filters": filters,
            "regions": self._region_choices(member),
            "channels": CHANNEL_TITLES,
            "topics": self.deployment.topics,
            "notice": NOTHING_TO_DO if request.query.get("empty") else None,
        }
        return aiohttp_jinja2.render_template("callbacks/worklist.html", request, context)

    @require_role("counsellor")
    async def take_next(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        form = await request.post()
        regions = self._regions(member, str(form.get("region", "")) or None)
        async with self.sessions.begin() as session:
            concern = await claim_next(
                session,
                user_id=member.id,
                regions=regions,
                now=self.clock(),
                lease=self.deployment.callbacks.claim_lease,
                pseudonymiser=self.pseudonymiser,
            )
        if concern is None:
            return see_other(request.app.router["worklist"].url_for().with_query(empty=1))
        return see_other(request.app.router["concern"].url_for(reference=concern.reference))

    @require_role("counsellor", "planner")
    async def board(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        async with self.sessions() as session:
            boards = [
                await status_board(session, region, self.clock(), self.deployment.zone)
                for region in self._regions(member, None)
            ]
        names = {r.id: r.name for r in self.deployment.regions}
        return aiohttp_jinja2.render_template("callbacks/board.html", request, {"boards": boards, "names": names})

    # --- helpers ---------------------------------------------------------------------------

    def _regions(self, member: StaffMember, wanted: str | None) -> list[str]:
        allowed = [r.id for r in self.deployment.regions if member.may_serve(r.id)]
        return [wanted] if wanted in allowed else allowed

    def _region_choices(self, member: StaffMember) -> list[tuple[str, str]]:
        return [(r.id, r.name) for r in self.deployment.regions if member.may_serve(r.id)]

    def _row(self, concern: Concern, now: Any, linked_to: str | None = None) -> dict[str, Any]:
        zone = self.deployment.zone
        topic = self.deployment.topic(concern.topic or "")
        state = due_state(concern, now, self.deployment.callbacks.due_soon)
        return {
            "reference": concern.reference,
            "channel": CHANNEL_TITLES.get(concern.channel, concern.channel),
            "topic": topic.name if topic else "–",
            "urgent": concern.urgency == "urgent",
            "due": concern.due_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
            "state": state,
            "state_title": STATE_TITLES[state],
            "created": concern.created_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
            "claimed": concern.claimed_by is not None
            and bool(concern.claim_expires_at and concern.claim_expires_at > now),
            "attempts": concern.attempts,
            "retry": concern.next_attempt_at.astimezone(zone).strftime("%d.%m. %H:%M")
            if concern.next_attempt_at
            else None,
            "region": concern.region,
            "unverified": concern.unverified,
            "linked_to": linked_to,
        }
