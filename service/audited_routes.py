"""Which staff actions on the web land in the audit trail: route names mapped to actions.

One table for the whole service, read by `service.audit_middleware`. A rule sees the request and
the handler's successful answer and says what was done to which object, or None when nothing
was (a form shown again with an error, a call not placed because it waits for confirmation).
Routes not listed are not recorded: webhooks, static files, the customers' own pages, polling.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from audit.vocabulary import AuditAction
from staff.accounts import normalise_username
from staff.web import CURRENT_MEMBER

MAX_DETAIL_TEXT = 60  # form values copied into a record are short codes and dates, never free text
SEE_OTHER = 303


@dataclass(frozen=True)
class Done:
    """What a successful answer says was done. `actor` only where no one is logged in (sign-in)."""

    action: AuditAction
    object_type: str | None = None
    object_id: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    actor: str | None = None


Rule = Callable[[web.Request, web.StreamResponse], Awaitable[Done | None]]


def _ok(response: web.StreamResponse) -> bool:
    return 200 <= response.status < 400


def _on(action: AuditAction, object_type: str | None = None, part: str | None = None, **detail: Any) -> Rule:
    """A rule for a route whose success is the action, on the object named by its path `part`."""

    async def rule(request: web.Request, response: web.StreamResponse) -> Done | None:
        if not _ok(response):
            return None
        object_id = request.match_info.get(part) if part else None
        return Done(action, object_type, object_id, detail)

    return rule


def _path_in(request: web.Request, location: str, route: str, part: str) -> str | None:
    """The `part` of a path of route `route`, e.g. the reference in a redirect to a concern."""
    pattern = request.app.router[route].get_info().get("pattern")
    if not isinstance(pattern, re.Pattern):
        return None
    match = pattern.fullmatch(location.split("?", 1)[0])
    return match.group(part) if match else None


async def _form_value(request: web.Request, name: str) -> str | None:
    """A short form field (read again from aiohttp's cache of the body the handler read)."""
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    value = (await request.post()).get(name)
    return value.strip()[:MAX_DETAIL_TEXT] if isinstance(value, str) and value.strip() else None


_CONCERN_ACTIONS: dict[str, AuditAction] = {
    "claim": "claimed",
    "release": "released",
    "close": "closed",
    "call": "called",
    "merge": "changed_concern",
    "keep": "changed_concern",
}


async def _concern_form(request: web.Request, response: web.StreamResponse) -> Done | None:
    # Every action that took place answers 303; the same form again (an error, or a call outside
    # calling hours waiting for its confirmation) is not an action.
    if response.status != SEE_OTHER:
        return None
    chosen = await _form_value(request, "action") or ""
    action = _CONCERN_ACTIONS.get(chosen)
    if action is None:
        return None
    reference = request.match_info.get("reference")
    detail: dict[str, Any] = {}
    if chosen == "close":
        detail["outcome"] = await _form_value(request, "outcome")
    elif chosen in ("merge", "keep"):
        detail["change"] = "merged" if chosen == "merge" else "kept_separate"
        if chosen == "merge":
            detail["into"] = _path_in(request, response.headers.get("Location", ""), "concern", "reference")
    return Done(action, "concern", reference, detail)


async def _next_concern(request: web.Request, response: web.StreamResponse) -> Done | None:
    """Taking the next concern: claimed, if the answer leads to one (not to an empty worklist)."""
    if response.status != SEE_OTHER:
        return None
    reference = _path_in(request, response.headers.get("Location", ""), "concern", "reference")
    return Done("claimed", "concern", reference, {"via": "worklist_next"}) if reference else None


async def _desk_concern(request: web.Request, response: web.StreamResponse) -> Done | None:
    if response.status != SEE_OTHER:
        return None
    reference = _path_in(request, response.headers.get("Location", ""), "desk-receipt", "reference")
    return Done("raised_concern", "concern", reference, {"channel": "walk_in"}) if reference else None


async def _api_concern(request: web.Request, response: web.StreamResponse) -> Done | None:
    if response.status not in (200, 201) or not isinstance(response, web.Response):
        return None
    body = response.body
    try:
        answer = json.loads(body) if isinstance(body, bytes | str) else None
    except ValueError:
        return None
    reference = answer.get("reference") if isinstance(answer, dict) else None
    detail = {"via": "api", "merged": bool(answer.get("merged"))} if isinstance(answer, dict) else {"via": "api"}
    return Done("raised_concern", "concern", str(reference) if reference else None, detail)


async def _counselling_form(request: web.Request, response: web.StreamResponse) -> Done | None:
    """Publishing slots: the form's plain values (region, date, time, length, kind, weeks) as detail."""
    if response.status != SEE_OTHER:
        return None
    detail = {name: await _form_value(request, name) for name in ("region", "date", "time", "minutes", "kind", "weeks")}
    return Done("published_slot", "slot", None, detail)


async def _outcome(request: web.Request, response: web.StreamResponse) -> Done | None:
    if response.status != SEE_OTHER:
        return None
    outcome = await _form_value(request, "outcome")
    return Done("recorded_outcome", "booking", request.match_info.get("booking"), {"outcome": outcome})


async def _invite(request: web.Request, response: web.StreamResponse) -> Done | None:
    if response.status != SEE_OTHER:
        return None
    return Done("sent_booking_link", "concern", await _form_value(request, "reference"))


async def _sign_in(request: web.Request, response: web.StreamResponse) -> Done | None:
    """Signing in, by the name typed: 303 is in, 401 a wrong name or password. A throttled
    attempt (429) is not recorded: the throttle counts those, and a flood would swamp the trail."""
    typed = await _form_value(request, "username")
    if not typed or response.status not in (SEE_OTHER, 401):
        return None
    actor = normalise_username(typed)[:64]
    if response.status == SEE_OTHER:
        return Done("signed_in", "user", actor, {"result": "ok"}, actor=actor)
    return Done("sign_in_failed", "user", actor, {"result": "wrong_credentials"}, actor=actor)


async def _own_profile(request: web.Request, response: web.StreamResponse) -> Done | None:
    if response.status != SEE_OTHER:
        return None
    return Done("changed_user", "user", request[CURRENT_MEMBER].username, {"own_profile": True})


async def _export(request: web.Request, response: web.StreamResponse) -> Done | None:
    """A file handed out: which export (route and path parts) and the query that chose its rows."""
    if not _ok(response):
        return None
    route = request.match_info.route.name or "export"
    parts = ".".join(request.match_info.values())
    query = {key: value[:MAX_DETAIL_TEXT] for key, value in list(request.query.items())[:12]}
    return Done("exported", "export", f"{route}:{parts}"[:80], {"query": query})


# (method, route name) → rule. HEAD is looked up as GET: aiohttp answers it with the GET handler.
RULES: dict[tuple[str, str], Rule] = {
    ("POST", "login"): _sign_in,
    ("POST", "logout"): _on("signed_out"),
    ("GET", "worklist"): _on("viewed_concern_list", page="worklist"),
    ("GET", "board"): _on("viewed_concern_list", page="board"),
    ("GET", "api-concerns"): _on("viewed_concern_list", page="api"),
    ("POST", "worklist-next"): _next_concern,
    ("GET", "concern"): _on("viewed_concern", "concern", "reference"),
    ("GET", "api-concern"): _on("viewed_concern", "concern", "reference", via="api"),
    ("GET", "desk-receipt"): _on("viewed_concern", "concern", "reference", page="receipt"),
    ("POST", "concern"): _concern_form,
    ("POST", "api-concern-claim"): _on("claimed", "concern", "reference", via="api"),
    ("POST", "api-concern-close"): _on("closed", "concern", "reference", via="api"),
    ("GET", "concern-recording"): _on("played_voicemail", "voicemail", "reference"),
    ("POST", "desk"): _desk_concern,
    ("POST", "api-concerns"): _api_concern,
    ("GET", "counselling"): _on("viewed_bookings", page="counselling"),
    ("GET", "counselling-host"): _on("joined_session", "booking", "booking"),
    ("POST", "counselling-publish"): _counselling_form,
    ("POST", "counselling-withdraw"): _on("withdrew_slot", "slot", "slot"),
    ("POST", "counselling-outcome"): _outcome,
    ("POST", "counselling-invite"): _invite,
    ("POST", "profile"): _own_profile,
    ("GET", "planning-export"): _export,
}


def rule_for(request: web.Request) -> Rule | None:
    """The rule for the request's route; any other GET route named "…-export" is an export."""
    name = request.match_info.route.name
    if not name:
        return None
    method = "GET" if request.method == "HEAD" else request.method
    found = RULES.get((method, name))
    if found is None and method == "GET" and name.endswith("-export"):
        return _export
    return found
