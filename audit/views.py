"""The auditor's pages under /audit: call-log search, one contact's timeline, the promise report,
and their CSV exports. Auditors read every region and change nothing; every search, timeline,
report and export they open is itself written to the audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from audit import labels
from audit.auditing import Auditor, AuditorDesk
from audit.csv_rows import CALL_LOG_COLUMNS, PROMISE_COLUMNS, call_log_row, csv_line, promise_row
from audit.promise import DIMENSIONS
from audit.search_form import SearchForm, read_search_form
from config.deployment import Deployment
from staff.roles import Role
from staff.web import CURRENT_MEMBER, require_role

AUDITOR: Role = "auditor"
AUDIO_GRANT: Role = "auditor_audio"  # hears the voicemails of the contacts shown
MAX_REFERENCE = 64
BROKEN_SHOWN = 500  # promises not kept listed on the page; the CSV has all


@dataclass(frozen=True)
class AuditViews:
    desk: AuditorDesk

    @property
    def deployment(self) -> Deployment:
        return self.desk.deployment

    @require_role(AUDITOR)
    async def search(self, request: web.Request) -> web.StreamResponse:
        """The call-log search: filters, one page of events, links to the next page and the export."""
        form = self._form(request.query)
        context: dict[str, Any] = self._search_context(form)
        if form.query is None:
            return aiohttp_jinja2.render_template("audit/search.html", request, context | {"page": None}, status=400)
        found = await self.desk.search(form.query, form.after, form.filters, _auditor(request))
        query = form.filters
        next_link = None
        if found.page.next_cursor is not None:
            next_link = str(
                request.app.router["audit"].url_for().with_query(query | {"after": found.page.next_cursor.token()})
            )
        context |= {
            "page": found.page,
            "counsellors": found.counsellors,
            "verification": found.verification,
            "anchors": found.anchors,
            "next_link": next_link,
            "first_link": str(request.app.router["audit"].url_for().with_query(query)) if form.after else None,
            "export_link": str(request.app.router["audit-csv"].url_for().with_query(query)),
            "region_names": self._region_names(),
        }
        return aiohttp_jinja2.render_template("audit/search.html", request, context)

    @require_role(AUDITOR)
    async def export(self, request: web.Request) -> web.StreamResponse:
        """Every event of the search as CSV, streamed page by page by keyset."""
        form = self._form(request.query)
        if form.query is None:
            raise web.HTTPBadRequest(text=" ".join(form.problems.values()))
        events = await self.desk.call_log_export(form.query, form.filters, _auditor(request))
        zone = self.deployment.zone

        async def lines() -> AsyncIterator[list[str]]:
            async for event in events:
                yield call_log_row(event, zone)

        name = f"kontaktprotokoll-{form.values['from']}-{form.values['to']}.csv"
        return await _stream_csv(request, name, CALL_LOG_COLUMNS, lines())

    @require_role(AUDITOR)
    async def timeline(self, request: web.Request) -> web.StreamResponse:
        """One contact's events in order: the call, its queue, and the concern it led to."""
        reference = request.match_info["reference"]
        if len(reference) > MAX_REFERENCE:
            raise web.HTTPNotFound()
        hears_audio = request[CURRENT_MEMBER].has_any_role([AUDIO_GRANT])
        found = await self.desk.timeline(reference, _auditor(request), with_voicemails=hears_audio)
        if found is None:
            raise web.HTTPNotFound()
        context = {
            "timeline": found.timeline,
            "hears_audio": hears_audio,
            "voicemails": found.voicemails,  # each play is recorded by the recording route, as for counsellors
            "region_names": self._region_names(),
            **_titles(),
        }
        return aiohttp_jinja2.render_template("audit/timeline.html", request, context)

    @require_role(AUDITOR)
    async def promise(self, request: web.Request) -> web.StreamResponse:
        """Concerns settled within their promise, by region, week, channel and urgency."""
        form = self._form(request.query)
        context: dict[str, Any] = self._search_context(form) | {"report": None, "dimensions": DIMENSIONS}
        if form.query is None:
            return aiohttp_jinja2.render_template("audit/promise.html", request, context, status=400)
        filters = _promise_filters(form)
        q = form.query
        report = await self.desk.promise(q.since, q.until, q.region, filters, _auditor(request))
        context |= {
            "report": report,
            "shown_limit": BROKEN_SHOWN,
            "region_names": self._region_names(),
            "export_link": str(request.app.router["audit-promise-csv"].url_for().with_query(filters)),
        }
        return aiohttp_jinja2.render_template("audit/promise.html", request, context)

    @require_role(AUDITOR)
    async def promise_export(self, request: web.Request) -> web.StreamResponse:
        """The concerns whose promise was not kept, as CSV, with the report's filters."""
        form = self._form(request.query)
        if form.query is None:
            raise web.HTTPBadRequest(text=" ".join(form.problems.values()))
        q = form.query
        report = await self.desk.promise_export(q.since, q.until, q.region, _promise_filters(form), _auditor(request))
        zone = self.deployment.zone

        async def lines() -> AsyncIterator[list[str]]:
            for outcome in report.broken:
                yield promise_row(outcome, zone)

        name = f"fristen-{form.values['from']}-{form.values['to']}.csv"
        return await _stream_csv(request, name, PROMISE_COLUMNS, lines())

    # --- helpers ---------------------------------------------------------------------------

    def _form(self, params: Mapping[str, str]) -> SearchForm:
        zone = self.deployment.zone
        return read_search_form(
            params,
            regions=frozenset(r.id for r in self.deployment.regions),
            today=self.desk.clock().astimezone(zone).date(),
            zone=zone,
        )

    def _search_context(self, form: SearchForm) -> dict[str, Any]:
        return {
            "form": form.values,
            "problems": form.problems,
            "regions": [(r.id, r.name) for r in self.deployment.regions],
            "counsellors": [],
            "verification": None,
            "anchors": [],
            **_titles(),
        }

    def _region_names(self) -> dict[str, str]:
        return {r.id: r.name for r in self.deployment.regions}


def _auditor(request: web.Request) -> Auditor:
    return Auditor(request[CURRENT_MEMBER].username, request.remote)


def _titles() -> dict[str, Any]:
    return {
        "channel_titles": labels.CHANNEL_TITLES,
        "concern_channel_titles": labels.CONCERN_CHANNEL_TITLES,
        "kind_titles": labels.KIND_TITLES,
        "outcome_titles": labels.OUTCOME_TITLES,
        "reason_titles": labels.REASON_TITLES,
        "urgency_titles": labels.URGENCY_TITLES,
        "order_titles": labels.ORDER_TITLES,
        "dimension_titles": labels.DIMENSION_TITLES,
        "break_titles": labels.BREAK_TITLES,
    }


def _promise_filters(form: SearchForm) -> dict[str, str]:
    return {key: value for key, value in form.filters.items() if key in ("from", "to", "region")}


async def _stream_csv(
    request: web.Request, filename: str, columns: tuple[str, ...], rows: AsyncIterator[list[str]]
) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        }
    )
    await response.prepare(request)
    await response.write(csv_line(list(columns), first=True))
    async for row in rows:
        await response.write(csv_line(row))
    await response.write_eof()
    return response


def audit_routes(views: AuditViews) -> list[web.RouteDef]:
    # The CSV routes are not named "…-export": those the audit middleware records by name, and
    # these record themselves, with the search's filters as read, before the first row leaves.
    return [
        web.get("/audit", views.search, name="audit"),
        web.get("/audit/export.csv", views.export, name="audit-csv"),
        web.get("/audit/contacts/{reference}", views.timeline, name="audit-timeline"),
        web.get("/audit/promise", views.promise, name="audit-promise"),
        web.get("/audit/promise.csv", views.promise_export, name="audit-promise-csv"),
    ]
