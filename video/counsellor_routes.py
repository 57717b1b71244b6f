"""The counsellor's counselling paths, named: links, forms and redirects are built from these names."""

from __future__ import annotations

from aiohttp import web

from video.counsellor_views import CounsellingPage


def counsellor_routes(page: CounsellingPage) -> list[web.RouteDef]:
    return [
        web.get("/beratung", page.show, name="counselling"),
        web.post("/beratung/termine", page.publish, name="counselling-publish"),
        web.post("/beratung/termine/{slot}/zurueckziehen", page.withdraw, name="counselling-withdraw"),
        web.post("/beratung/sitzungen/{booking}/ergebnis", page.record_outcome, name="counselling-outcome"),
        # from a concern's page: a booking link by SMS to its customer
        web.post("/beratung/einladen", page.invite, name="counselling-invite"),
    ]
