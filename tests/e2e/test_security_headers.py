"""Every answer tells the browser what it may load, frame, cache and send on (issue 10, finding 8)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callbacks.desk_views import SOURCE_PREFIX
from callbacks.intake import NewConcern, raise_concern
from config.deployment import VideoSettings
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.pseudonyms import Pseudonymiser
from service.app import Overrides, create_app
from service.security_headers import CONTENT_SECURITY_POLICY, security_headers_middleware
from staff.accounts import create_user
from staff.roles import ROLES
from telephony.edge.webhooks import WEBHOOK_PREFIX
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.support import TEST_SECRET, ManualClock, csrf_from, make_settings
from video.content_policy import video_content_security_policy

DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
VIDEO_POLICY = video_content_security_policy(DEPLOYMENT.video)
FORM_ID = "headers-test-form-0001"
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)", re.I)
_INLINE_STYLE = re.compile(r"<style|\sstyle=", re.I)
_EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


@pytest.fixture
async def everyone(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> str:
    """A member with every role, and a concern raised at the desk; returns its reference."""
    region = DEPLOYMENT.region("siegburg")
    assert region is not None
    async with sessions.begin() as session:
        await create_user(session, username="eve", password=PASSWORD, roles=list(ROLES), now=clock())
        new = NewConcern.check(
            {
                "region": "siegburg",
                "channel": "walk_in",
                "language": "de",
                "source_key": f"{SOURCE_PREFIX}{FORM_ID}",
                "callback_number": "+4915112345678",
                "topic": "payment",
                "note": "Zahlung fehlt.",
            },
            deployment=DEPLOYMENT,
            now=clock(),
        )
        intake = await raise_concern(
            session, new, deployment=DEPLOYMENT, now=clock(), pseudonymiser=Pseudonymiser(TEST_SECRET)
        )
    return intake.concern.reference


def directives(policy: str) -> dict[str, str]:
    return {name: value.strip() for name, _, value in (d.strip().partition(" ") for d in policy.split(";"))}


def assert_protected(response_headers: object, path: str) -> None:
    headers = dict(response_headers)  # type: ignore[call-overload]
    # The strict policy, or on the video join pages the one built for the configured provider.
    assert headers["Content-Security-Policy"] in (CONTENT_SECURITY_POLICY, VIDEO_POLICY), path
    policy = directives(headers["Content-Security-Policy"])
    assert policy["default-src"] == "'self'" and policy["script-src"].startswith("'self'"), path
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'", path
    assert policy["base-uri"] == "'none'" and policy["object-src"] == "'none'", path
    assert "unsafe-inline" not in headers["Content-Security-Policy"], path
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer"), path
    # The contact form alone may stay in the browser's own cache for Back (callbacks.web_form_views.FORM_CACHE).
    contact_form = re.fullmatch(r"(https?://[^/]+)?/kontakt/[a-z0-9-]+(\?.*)?", path) is not None
    assert headers["Cache-Control"] == ("private, no-cache" if contact_form else "no-store"), path


def routes_to_visit(app: web.Application, reference: str) -> list[tuple[str, str]]:
    """(method, path) of every route but Twilio's webhooks and the static files, path
    parameters filled with a real region and concern."""
    values = {
        "region": "siegburg",
        "reference": reference,
        "slot": "1",
        "booking": "1",
        "token": "no-such-token",
        "table": "key-figures",
        "format": "csv",
    }
    visits = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or (info["formatter"].format(**values) if "formatter" in info else None)
        if path is None or path.startswith(WEBHOOK_PREFIX) or route.method == "HEAD":
            continue  # the static directory (tested below), webhooks (their own edge)
        visits.append((route.method, path))
    return visits


async def test_every_page_and_api_answer_carries_the_protective_headers(
    client: Client, everyone: str, clock: ManualClock
) -> None:
    assert await log_in(client, "eve") == 303
    visits = routes_to_visit(client.server.app, everyone)  # type: ignore[arg-type]
    assert len(visits) > 30 and ("GET", f"/concerns/{everyone}") in visits
    for method, path in visits:
        if path == "/logout":
            continue  # it would end the visit; its headers are checked below
        query = f"?form={FORM_ID}" if path.startswith("/desk/receipt/") else ""
        response = await client.request(method, path + query, allow_redirects=False)
        assert response.status < 500, path
        assert_protected(response.headers, path)
        if response.content_type == "text/html":
            html = await response.text()
            assert not _INLINE_SCRIPT.search(html), f"inline script on {path}"
            assert not _INLINE_STYLE.search(html), f"inline style on {path}"
            assert not _EVENT_HANDLER.search(html), f"event handler attribute on {path}"
    home = await client.get("/")
    logout = await client.post("/logout", data={"csrf_token": csrf_from(await home.text())}, allow_redirects=False)
    assert_protected(logout.headers, "/logout")


async def test_error_pages_and_refusals_carry_them_too(client: Client) -> None:
    for response in (
        await client.get("/no/such/page"),
        await client.get("/api/no/such/thing"),
        await client.post("/login", data={"username": "x"}),  # no CSRF token: 403
        await client.get("/worklist", allow_redirects=False),  # not logged in: 303 to the login
        await client.get("/api/concerns"),  # 401
        await client.put("/login"),  # 405
    ):
        assert_protected(response.headers, str(response.url))


async def test_the_contact_form_keeps_its_stricter_referrer_policy(client: Client) -> None:
    response = await client.get("/kontakt/siegburg")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert (await client.get("/login")).headers["Referrer-Policy"] == "same-origin"


async def test_static_files_may_be_cached_but_not_sniffed(client: Client) -> None:
    css = await client.get("/static/hotline.css")
    script = await client.get("/static/print.js")
    assert css.status == script.status == 200
    assert css.content_type == "text/css" and script.content_type in ("text/javascript", "application/javascript")
    for response in (css, script):
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_every_cookie_is_secure_when_the_public_url_is_https(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await create_user(session, username="anna", password=PASSWORD, roles=["counsellor"], now=clock())
    settings = make_settings(tmp_path, database_url, public_url="https://hotline.example")
    client = await aiohttp_client(create_app(settings, overrides=Overrides(clock=clock, engine=engine)))
    try:
        language = await client.get("/language?set=en&next=/login", allow_redirects=False)
        page = await client.get("/login")
        pre = page.cookies["hotline_pre"].value
        # The test client speaks http, so it keeps Secure cookies to itself: sent by hand.
        login = await client.post(
            "/login",
            data={"username": "anna", "password": PASSWORD, "csrf_token": csrf_from(await page.text())},
            headers={"Cookie": f"hotline_pre={pre}"},
            allow_redirects=False,
        )
        assert login.status == 303
        cookies = [*language.cookies.values(), *page.cookies.values(), *login.cookies.values()]
        names = {cookie.key for cookie in cookies}
        assert {"hotline_lang", "hotline_pre", "hotline_session"} <= names
        assert any(name.startswith("hotline_device_") for name in names)
        assert all(cookie["secure"] for cookie in cookies), [c.key for c in cookies if not c["secure"]]
    finally:
        await client.close()


async def test_cookies_are_not_marked_secure_over_plain_http(client: Client) -> None:
    response = await client.get("/language?set=en&next=/login", allow_redirects=False)
    assert not response.cookies["hotline_lang"]["secure"]
    assert response.cookies["hotline_lang"]["httponly"]


@pytest.mark.parametrize(
    "video",
    [VideoSettings(domain="video.jobcenter.example"), VideoSettings(provider="twilio")],
    ids=["jitsi", "twilio"],
)
async def test_with_a_video_service_configured_ordinary_pages_keep_the_strict_policy(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
    video: VideoSettings,
) -> None:
    deployment = dataclasses.replace(DEPLOYMENT, video=video)
    settings = make_settings(tmp_path, database_url)
    client = await aiohttp_client(
        create_app(settings, overrides=Overrides(clock=clock, engine=engine, deployment=deployment))
    )
    try:
        for path in ("/login", "/kontakt/siegburg", "/no/such/page"):
            response = await client.get(path)
            assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
            assert_protected(response.headers, path)
    finally:
        await client.close()


async def test_a_page_keeps_the_video_policy_and_no_other_it_sets_for_itself() -> None:
    """The contract with the join pages' handlers: set `video_content_security_policy(...)` on the
    response and the middleware keeps it; anything else a handler sets becomes the default.
    The middleware is called directly: the app's own join pages are checked in
    test_counselling_pages.py, and no route is added here."""
    video = video_content_security_policy(VideoSettings(domain="video.jobcenter.example"))
    middleware = security_headers_middleware(secure_cookies=False, page_policies=[video])

    async def policy_kept(policy: str | None) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            headers = {"Content-Security-Policy": policy} if policy else {}
            return web.Response(text="<!doctype html>", content_type="text/html", headers=headers)

        response = await middleware(make_mocked_request("GET", "/video/x"), handler)
        return response.headers["Content-Security-Policy"]

    assert await policy_kept(video) == video
    assert await policy_kept("default-src *") == CONTENT_SECURITY_POLICY
    assert await policy_kept(None) == CONTENT_SECURITY_POLICY
