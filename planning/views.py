"""The planner page /planning and its exports: parse, call the planner once, render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from planning.exports import table_csv, table_xlsx
from planning.planner_form import read_planner_form
from planning.service import Planner, PlannerInputError
from staff.roles import Role
from staff.web import page_language, require_role

PLANNER_ROLES: tuple[Role, ...] = ("planner", "admin")
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", table_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", table_xlsx),
}


@dataclass(frozen=True)
class PlannerViews:
    planner: Planner

    @require_role(*PLANNER_ROLES)
    async def show(self, request: web.Request) -> web.StreamResponse:
        form = read_planner_form(request.query)
        context: dict[str, Any] = {
            "form": form.values,
            "problems": dict(form.problems),
            "regions": self.planner.deployment.regions,
        }
        try:
            report = await self.planner.report(form.query, page_language(request))
        except PlannerInputError as exc:
            context |= {"report": None, "problem": str(exc)}
            return aiohttp_jinja2.render_template("planning/planner.html", request, context, status=400)
        context |= {"report": report, "problem": None, "export_link": _export_links(request)}
        return aiohttp_jinja2.render_template("planning/planner.html", request, context)

    @require_role(*PLANNER_ROLES)
    async def export(self, request: web.Request) -> web.StreamResponse:
        kind = EXPORTS.get(request.match_info["format"])
        if kind is None:
            raise web.HTTPNotFound()
        form = read_planner_form(request.query)
        try:
            report = await self.planner.report(form.query, page_language(request))
        except PlannerInputError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        table = report.table(request.match_info["table"])
        if table is None:
            raise web.HTTPNotFound()
        content_type, write = kind
        region = report.region.id if report.region else "alle"
        name = f"{table.id}-{region}-{report.period.first.isoformat()}-{report.period.last.isoformat()}"
        return web.Response(
            body=write(table),
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f'attachment; filename="{name}.{request.match_info["format"]}"',
            },
        )


def _export_links(request: web.Request) -> Callable[[str, str], str]:
    """Export links carry the page's region, period and forms, so a file holds what is shown."""
    route = request.app.router["planning-export"]

    def link(table_id: str, kind: str) -> str:
        return str(route.url_for(table=table_id, format=kind).with_query(request.query))

    return link


def planning_routes(views: PlannerViews) -> list[web.RouteDef]:
    return [
        web.get("/planning", views.show, name="planning"),
        web.get("/planning/export/{table}.{format}", views.export, name="planning-export"),
    ]
