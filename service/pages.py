"""Pages the assembly point owns: the start page, role areas, language switch, health checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from config.deployment import CHANNELS, Deployment, Region
from routing import decide, hours_per_week
from service import keys
from service.areas import AREAS, Area, areas_for
from service.i18n import LANGUAGE_COOKIE, LANGUAGES
from staff.web import CURRENT_MEMBER, next_page, require_role, see_other
from storage.clock import Clock
from storage.engine import DatabaseUnavailable, ping

STATIC_DIRECTORY = Path(__file__).parent / "static"
READY_SECONDS = 1.5  # /readyz answers within 2 s, whatever the database does
CLOSED_REASONS = {"outside_hours": "außerhalb der Hotline-Zeiten", "holiday": "Feiertag", "closure": "Schließung"}
CHANNEL_TITLES = {"hotline": "Hotline", "appointments": "Termine vor Ort", "counselling": "Telefon- und Videoberatung"}
@dataclass(frozen=True)
class StartPage:
    deployment: Deployment
    clock: Clock

    @require_role()
    async def show(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        context = {
            "areas": areas_for(member.roles),
            "regions": [self._region(region) for region in self.deployment.regions],
            "timezone": self.deployment.timezone,
        }
        return aiohttp_jinja2.render_template("start.html", request, context)

    def _region(self, region: Region) -> dict[str, Any]:
        weekly = hours_per_week(region)
        channels = [
            {
                "title": CHANNEL_TITLES[channel],
                "days": [[str(r) for r in day] for day in region.hours[channel].days],
                "hours_per_week": weekly[channel],
            }
            for channel in CHANNELS
            if channel in region.hours
        ]
        decision = decide(region.numbers[0], self.clock(), self.deployment)
        return {
            "id": region.id,
            "name": region.name,
            "numbers": region.numbers,
            "languages": region.languages,
            "channels": channels,
            "open": decision.open,
            "reason": CLOSED_REASONS.get(decision.reason or ""),
            "detail": decision.detail,
            "closes_at": decision.closes_at,
            "next_opening": decision.next_opening,
        }


@dataclass(frozen=True)
class AreaPage:
    area: Area

    async def show(self, request: web.Request) -> web.StreamResponse:
        return aiohttp_jinja2.render_template("area.html", request, {"area": self.area})


def service_routes(start: StartPage, readiness: Readiness) -> list[web.AbstractRouteDef]:
    """The pages this package owns, named: the start page, the language switch, the role areas
    still being built, health checks and the static files."""
    return [
        web.get("/", start.show, name="start"),
        web.get("/language", switch_language, name="language"),
        *area_routes(),
        web.get("/healthz", healthz, name="healthz"),
        web.get("/readyz", readiness.readyz, name="readyz"),
        web.static("/static", STATIC_DIRECTORY, append_version=False, name="static"),
    ]


def area_routes() -> list[web.RouteDef]:
    """One guarded page per role area still being built, named like the area; the other areas
    have pages of their own, routed by their slices."""
    routes = []
    for area in AREAS:
        if area.placeholder is None:
            continue
        page = AreaPage(area)
        routes.append(web.get(area.placeholder, require_role(area.role)(page.show), name=area.route))
    return routes


async def switch_language(request: web.Request) -> web.StreamResponse:
    chosen = request.query.get("set", "")
    response = see_other(next_page(request, request.query.get("next")))
    if chosen in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            path="/",
            max_age=365 * 24 * 3600,
            httponly=True,  # read by the service only
            samesite="Lax",
            secure=request.app[keys.SETTINGS].secure_cookies,
        )
    return response


async def healthz(_request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "alive"})


@dataclass(frozen=True)
class Readiness:
    engine: AsyncEngine

    async def readyz(self, _request: web.Request) -> web.StreamResponse:
        try:
            await ping(self.engine, within=READY_SECONDS, ready_for_work=True)
        except DatabaseUnavailable:
            return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
        return web.json_response({"status": "ready", "database": "ok"})
