"""The concern queue's paths, named: redirects and links are built from these names."""

from __future__ import annotations

from aiohttp import web

from callbacks.api_views import ConcernApi
from callbacks.concern_views import ConcernViews
from callbacks.desk_views import DeskViews
from callbacks.web_form_views import WebFormViews, web_form_routes
from callbacks.worklist_views import WorklistViews


def concern_routes(
    worklist: WorklistViews, concern: ConcernViews, desk: DeskViews, web_form: WebFormViews, api: ConcernApi
) -> list[web.RouteDef]:
    return [
        # the counsellors' worklist and one concern in detail
        web.get("/worklist", worklist.index, name="worklist"),
        web.post("/worklist/next", worklist.take_next, name="worklist-next"),
        web.get("/board", worklist.board, name="board"),
        web.get("/concerns/{reference}", concern.detail, name="concern"),
        web.post("/concerns/{reference}", concern.act, name="concern"),
        web.get("/concerns/{reference}/recording", concern.recording, name="concern-recording"),
        web.get("/concerns/{reference}/call-state", concern.call_state, name="concern-call-state"),
        # the walk-in desk
        web.get("/desk", desk.form, name="desk"),
        web.post("/desk", desk.submit, name="desk"),
        web.get("/desk/receipt/{reference}", desk.receipt, name="desk-receipt"),
        # the public contact form (no login)
        *web_form_routes(web_form),
        # the JSON API
        web.get("/api/concerns", api.index, name="api-concerns"),
        web.post("/api/concerns", api.create, name="api-concerns"),
        web.get("/api/concerns/{reference}", api.detail, name="api-concern"),
        web.post("/api/concerns/{reference}/claim", api.claim, name="api-concern-claim"),
        web.post("/api/concerns/{reference}/close", api.close, name="api-concern-close"),
    ]
