"""One place that turns refusals and failures into responses: JSON for the API, pages for people."""

from __future__ import annotations

import itertools
import logging
import re
import secrets

import aiohttp_jinja2
from aiohttp import web

from service.deadlines import ServiceUnavailable
from service.keys import REQUEST_ID
from service.page_context import page_context
from staff.errors import CsrfRejected, Forbidden, NotAuthenticated
from staff.web import Handler, see_other
from storage.engine import is_transient

log = logging.getLogger("hotline.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Our own ids: a random tag per process and a counter, unique without a system call per request.
_PROCESS_TAG = secrets.token_hex(6)
_REQUESTS = itertools.count(1)

_PAGE_TEXTS: dict[int, tuple[str, str]] = {
    400: ("Ungültige Anfrage", "Die Anfrage konnte nicht verarbeitet werden."),
    403: ("Kein Zugriff", "Für diese Seite fehlt Ihnen die Berechtigung."),
    404: ("Seite nicht gefunden", "Diese Seite gibt es nicht."),
    405: ("Nicht erlaubt", "Diese Aktion ist hier nicht möglich."),
    413: ("Anfrage zu groß", "Die gesendeten Daten sind zu groß."),
    500: ("Technischer Fehler", "Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut."),
    503: (
        "Vorübergehend nicht verfügbar",
        "Der Dienst ist gerade überlastet oder die Datenbank antwortet nicht."
        " Bitte versuchen Sie es in einer Minute erneut.",
    ),
}
RETRY_AFTER_SECONDS = 60


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or request.headers.get("Accept", "").startswith("application/json")


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tag each request (reusing a proxy's X-Request-Id when it is sane) and echo the id."""
    incoming = request.headers.get("X-Request-Id", "")
    request[REQUEST_ID] = incoming if _REQUEST_ID.match(incoming) else f"{_PROCESS_TAG}{next(_REQUESTS):08x}"
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-Id"] = request[REQUEST_ID]
        raise
    response.headers["X-Request-Id"] = request[REQUEST_ID]
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except NotAuthenticated as exc:
        if wants_json(request):
            return _json(request, 401, "login_required" if not exc.expired else "session_expired")
        query = {"next": request.path_qs} | ({"expired": "1"} if exc.expired else {})
        return see_other(request.app.router["login"].url_for().with_query(query))
    except Forbidden:
        return await _refuse(request, 403, "forbidden")
    except CsrfRejected:
        log.warning("csrf token missing or wrong", extra={"path": request.path, "request_id": request.get(REQUEST_ID)})
        if wants_json(request):
            return _json(request, 403, "csrf_token_invalid")
        return await _page(
            request, 403, "Formular abgelaufen", "Bitte laden Sie die Seite neu und senden Sie das Formular erneut."
        )
    except web.HTTPException as exc:
        if exc.status < 400 or exc.status not in _PAGE_TEXTS:
            raise
        return await _refuse(request, exc.status, exc.reason.lower().replace(" ", "_"))
    except ServiceUnavailable:
        return await _unavailable(request)
    except Exception as exc:
        if is_transient(exc):
            log.warning(
                "database unavailable; answered 503",
                extra={"path": request.path, "request_id": request.get(REQUEST_ID), "error": type(exc).__name__},
            )
            return await _unavailable(request)
        log.exception("unhandled error", extra={"path": request.path, "request_id": request.get(REQUEST_ID)})
        return await _refuse(request, 500, "internal_error")


async def _unavailable(request: web.Request) -> web.Response:
    response = await _refuse(request, 503, "service_unavailable")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def _refuse(request: web.Request, status: int, code: str) -> web.Response:
    if wants_json(request):
        return _json(request, status, code)
    title, message = _PAGE_TEXTS[status]
    return await _page(request, status, title, message)


def _json(request: web.Request, status: int, code: str) -> web.Response:
    return web.json_response({"error": code, "request_id": request.get(REQUEST_ID)}, status=status)


async def _page(request: web.Request, status: int, title: str, message: str) -> web.Response:
    # Built here in full: a refusal can come before the template context processors have run.
    context = await page_context(request) | {
        "request": request,
        "title": title,
        "message": message,
        "request_id": request.get(REQUEST_ID),
    }
    return aiohttp_jinja2.render_template("error.html", request, context, status=status)
