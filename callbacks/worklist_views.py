"""The counsellors' worklist: the queue of a region, taking the next concern, and the status
board. One concern in detail lives in concern_views."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.claims import claim_next
from callbacks.models import CONCERN_CHANNELS
from callbacks.worklist import (
    SORT_KEYS,
    STATUS_FILTERS,
    Filters,
    Listed,
    Order,
    WorklistPage,
    due_state,
    status_board,
    worklist_page,
)
from config.deployment import Deployment
from contacts.pseudonyms import Pseudonymiser
from formatting.locales import language_name
from staff.accounts import StaffMember
from staff.web import CURRENT_MEMBER, page_language, require_role, see_other
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
STATUS_FILTER_TITLES = {
    "open": "offen",
    "claimed": "in Bearbeitung",
    "unreachable": "nicht erreicht",
    "closed": "abgeschlossen",
}
# The worklist's columns after the reference, in order; the region only for those serving several.
COLUMN_TITLES = {
    "region": "Region",
    "received": "Eingang",
    "name": "Name",
    "language": "Sprache",
    "topic": "Thema",
    "channel": "Kanal",
    "attempts": "Versuche",
    "holder": "In Bearbeitung bei",
    "due": "Fällig",
}
SETTLED_DAYS = 30  # how far back the worklist lists closed and unreachable concerns
PAGE_SIZE = 50
NOTHING_TO_DO = "Zurzeit ist kein Anliegen frei. Gut gemacht!"


@dataclass(frozen=True)
class WorklistViews:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    clock: Clock
    pseudonymiser: Pseudonymiser

    @require_role("counsellor")
    async def index(self, request: web.Request) -> web.StreamResponse:
        """The worklist: filtered by region, channel, topic and status, sorted by any column, paged."""
        member = request[CURRENT_MEMBER]
        language = page_language(request)
        query = self._list_query(request, member)
        status = query.get("status", "open")
        now = self.clock()
        # Closed and unreachable concerns no longer than retention keeps their personal data.
        days = min(SETTLED_DAYS, self.deployment.retention.concern_days)
        filters = Filters(
            regions=self._regions(member, query.get("region")),
            channel=query.get("channel"),
            topic=query.get("topic"),
            status=status,
            settled_since=now - dt.timedelta(days=days),
        )
        order = Order(
            key=query.get("sort", "due"), descending=query.get("dir") == "desc", labels=self._labels(language)
        )
        page_number = int(request.query["page"]) if request.query.get("page", "").isdigit() else 1
        async with self.sessions() as session:
            page = await worklist_page(session, filters, order, now=now, number=page_number, size=PAGE_SIZE)
        regions = self._region_choices(member)
        context = {
            "rows": [self._listed_row(row, now, page.linked.get(row.concern.id)) for row in page.rows],
            "page": page,
            "filters": filters,
            "order": order,
            "columns": [(key, title) for key, title in COLUMN_TITLES.items() if key != "region" or len(regions) > 1],
            "sort_links": self._sort_links(request, query, order),
            "sort_title": COLUMN_TITLES.get(order.key, COLUMN_TITLES["due"]),
            "page_links": self._page_links(request, query, page),
            "settled_days": days,
            "regions": regions,
            "channels": CHANNEL_TITLES,
            "statuses": STATUS_FILTER_TITLES,
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

    @require_role("counsellor", "planner", "auditor")
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

    def _list_query(self, request: web.Request, member: StaffMember) -> dict[str, str]:
        """The worklist's query parameters that hold a known value; the rest are dropped, so a
        mistyped link shows the default list rather than an error."""
        known = {
            "region": {r.id for r in self.deployment.regions if member.may_serve(r.id)},
            "channel": set(CONCERN_CHANNELS),
            "topic": {t.id for t in self.deployment.topics},
            "status": set(STATUS_FILTERS),
            "sort": set(SORT_KEYS),
            "dir": {"asc", "desc"},
        }
        return {name: request.query[name] for name, values in known.items() if request.query.get(name) in values}

    def _labels(self, language: str) -> dict[str, dict[str, str]]:
        """The names the worklist shows for codes, which its columns sort by."""
        codes = {code for region in self.deployment.regions for code in region.languages}
        return {
            "region": {r.id: r.name for r in self.deployment.regions},
            "language": {code: language_name(code, language) for code in codes},
            "topic": {t.id: t.name if language == "de" else t.name_en for t in self.deployment.topics},
            "channel": {code: _in_language(title, language) for code, title in CHANNEL_TITLES.items()},
        }

    def _sort_links(self, request: web.Request, query: dict[str, str], order: Order) -> dict[str, dict[str, str]]:
        """Per column: the link that sorts by it (again: the other way round) and its aria-sort."""
        base = request.app.router["worklist"].url_for()
        links = {}
        for key in COLUMN_TITLES:
            current = order.key == key
            descending = current and not order.descending
            wanted = {n: v for n, v in query.items() if n not in ("sort", "dir")} | {"sort": key}
            if descending:
                wanted["dir"] = "desc"
            sort = ("descending" if order.descending else "ascending") if current else "none"
            links[key] = {"href": str(base.with_query(wanted)), "aria_sort": sort}
        return links

    def _page_links(self, request: web.Request, query: dict[str, str], page: WorklistPage) -> dict[str, str]:
        base = request.app.router["worklist"].url_for()
        links = {}
        if page.number > 1:
            links["previous"] = str(base.with_query(query | {"page": str(page.number - 1)}))
        if page.number < page.pages:
            links["next"] = str(base.with_query(query | {"page": str(page.number + 1)}))
        return links

    def _listed_row(self, listed: Listed, now: dt.datetime, linked_to: str | None) -> dict[str, Any]:
        concern = listed.concern
        topic = self.deployment.topic(concern.topic or "")
        region = self.deployment.region(concern.region)
        state = due_state(concern, now, self.deployment.callbacks.due_soon)
        return {
            "reference": concern.reference,
            "region": region.name if region else concern.region,
            "received": concern.created_at,
            "name": concern.customer_name,
            "language": concern.language,
            "topic": topic,
            "channel": CHANNEL_TITLES.get(concern.channel, concern.channel),
            "attempts": concern.attempts,
            "retry": concern.next_attempt_at,
            "holder": listed.holder,
            "due": concern.due_at,
            "closed": concern.closed_at,
            "state": state,
            "state_title": STATE_TITLES[state],
            "urgent": concern.urgency == "urgent",
            "unverified": concern.unverified,
            "linked_to": linked_to,
        }

    def _regions(self, member: StaffMember, wanted: str | None) -> list[str]:
        allowed = [r.id for r in self.deployment.regions if member.may_serve(r.id)]
        return [wanted] if wanted in allowed else allowed

    def _region_choices(self, member: StaffMember) -> list[tuple[str, str]]:
        return [(r.id, r.name) for r in self.deployment.regions if member.may_serve(r.id)]


@functools.cache
def _english() -> dict[str, str]:
    """This slice's English page texts (the same catalogue the templates' `_()` reads)."""
    return tomllib.loads((Path(__file__).parent / "locale" / "en.toml").read_text(encoding="utf-8"))


def _in_language(german: str, language: str) -> str:
    """A German page text as the page shows it, for sorting by what the reader sees."""
    return _english().get(german, german) if language == "en" else german
