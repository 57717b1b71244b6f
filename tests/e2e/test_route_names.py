"""Every route has a name, and every link, form and embedded file on every page leads to a route
of the app (issue 10: links are built from route names, so a moved route leaves no dead link)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.desk_views import SOURCE_PREFIX
from callbacks.intake import NewConcern, raise_concern
from callbacks.models import Concern
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.pseudonyms import Pseudonymiser
from staff.accounts import create_user
from staff.roles import ROLES
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.e2e.test_intake import CALLER, THANKS, act, send_contact_form
from tests.e2e.test_security_headers import routes_to_visit
from tests.support import TEST_SECRET, ManualClock

DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
FORM_ID = "route-names-form-0001"
RECORDING_SID = "RE" + "0123456789abcdef" * 2
KEBAB_CASE = re.compile(r"[a-z]+(-[a-z]+)*")
# Where a page points: (tag, attribute) -> the method the browser uses (a form's own `method` wins).
POINTERS = {("a", "href"): "GET", ("link", "href"): "GET", ("script", "src"): "GET", ("audio", "src"): "GET",
            ("img", "src"): "GET", ("form", "action"): "GET"}  # fmt: skip


class Pointers(HTMLParser):
    """Collects (method, url) of every link, form action and embedded file of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[tuple[str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for (pointer_tag, attribute), method in POINTERS.items():
            if tag == pointer_tag and attribute in values:
                if tag == "form":
                    method = values.get("method", method).upper()
                self.found.add((method, values[attribute]))


def pointers_into_the_site(html: str) -> set[tuple[str, str]]:
    parser = Pointers()
    parser.feed(html)
    inside = set()
    for method, url in parser.found:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path:
            continue  # tel: links, another site, or an anchor on the same page
        inside.add((method, url))
    return inside


async def route_of(app: web.Application, method: str, url: str) -> str | None:
    """The name of the route that answers `method url`, or None if no route does."""
    match = await app.router.resolve(make_mocked_request(method, url, app=app))
    return None if match.http_exception is not None else match.route.name


@pytest.fixture
async def everything(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> str:
    """eve holds every role; a desk concern with a voicemail recording, and the same number's
    unverified contact-form concern is yet to be linked to it. Returns the desk concern's reference."""
    async with sessions.begin() as session:
        await create_user(session, username="eve", password=PASSWORD, roles=list(ROLES), now=clock())
        new = NewConcern.check(
            {
                "region": "siegburg",
                "channel": "walk_in",
                "language": "de",
                "source_key": f"{SOURCE_PREFIX}{FORM_ID}",
                "callback_number": CALLER,
                "topic": "payment",
                "note": "Zahlung fehlt.",
            },
            deployment=DEPLOYMENT,
            now=clock(),
        )
        intake = await raise_concern(
            session, new, deployment=DEPLOYMENT, now=clock(), pseudonymiser=Pseudonymiser(TEST_SECRET)
        )
        await session.execute(
            update(Concern).where(Concern.id == intake.concern.id).values(recording_sid=RECORDING_SID)
        )
    return intake.concern.reference


async def test_every_route_has_a_kebab_case_name(client: Client) -> None:
    app = client.server.app
    assert app is not None
    routes = list(app.router.routes())
    assert len(routes) > 50  # pages, API and Twilio's webhooks
    assert [f"{route.method} {route.resource.canonical}" for route in routes if route.resource and not route.name] == []
    assert [name for name in app.router.named_resources() if not KEBAB_CASE.fullmatch(name)] == []


async def test_every_link_and_form_on_every_page_leads_to_a_route(client: Client, everything: str) -> None:
    app = client.server.app
    assert app is not None
    # Pages a visitor sees before logging in, the contact form's thanks page among them.
    submitted = await send_contact_form(client)
    thanks = THANKS.match(submitted.headers["Location"])
    assert thanks, submitted.headers["Location"]
    unverified = thanks.group(1)
    pages = ["/login", "/kontakt", "/kontakt/siegburg", submitted.headers["Location"], "/no/such/page"]
    visited = [await client.get(path, allow_redirects=False) for path in pages]

    # Every page a logged-in member with every role can open, a claimed concern among them.
    assert await log_in(client, "eve") == 303
    assert (await act(client, everything, "claim")).status == 303
    pages = [path for method, path in routes_to_visit(app, everything) if method == "GET"]
    pages += [f"/concerns/{unverified}", f"/desk/receipt/{everything}?form={FORM_ID}"]
    visited += [await client.get(path, allow_redirects=False) for path in pages]

    # A link built from a name no route has would have failed the page itself.
    assert [f"{r.url.path_qs}: {r.status}" for r in visited if r.status >= 500] == []
    pointers: set[tuple[str, str]] = set()
    for response in visited:
        if response.content_type == "text/html":
            pointers |= pointers_into_the_site(await response.text())
    dead = [f"{method} {url}" for method, url in sorted(pointers) if await route_of(app, method, url) is None]
    assert dead == []
    names = {await route_of(app, method, url) for method, url in pointers}
    # The walk reached the links that only some pages, or some states of a page, show.
    assert {"start", "language", "logout", "static", "login", "contact-form", "worklist-next"} <= names
    assert {"concern", "concern-recording", "desk", "board", "counsellor", "outbox", "admin-users"} <= names
    assert {"planning", "audit"} <= names
    for method, url in sorted(pointers):
        if method == "GET":  # each one opens, the static files and the voicemail among them
            opened = await client.get(url, allow_redirects=False)
            assert opened.status < 400, f"{url}: {opened.status}"
