"""Logging in, the start page, role areas and logging out, over HTTP against the real app."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.support import ManualClock, csrf_from

pytestmark = pytest.mark.usefixtures("staff")


def redirect_of(location: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(location)
    return parts.path, dict(parse_qsl(parts.query))


async def test_pages_redirect_to_login_and_json_clients_get_401(client: Client) -> None:
    page = await client.get("/planning?view=week", allow_redirects=False)
    assert page.status == 303
    assert redirect_of(page.headers["Location"]) == ("/login", {"next": "/planning?view=week"})
    api = await client.get("/planning", headers={"Accept": "application/json"})
    assert api.status == 401
    assert (await api.json())["error"] == "login_required"


async def test_login_lands_on_the_start_page_with_regions_numbers_and_hours(client: Client) -> None:
    assert await log_in(client, "anna") == 303
    page = await client.get("/")
    html = await page.text()
    assert page.status == 200
    assert "Anna Schmidt" in html
    assert "Geschäftsstelle Siegburg" in html and "Geschäftsstelle Eitorf" in html
    assert '<a href="tel:+49-2241-9000100">02241 9000100</a>' in html
    # Siegburg's hotline: 29 h a week (in German notation), Monday 08:00-12:00 and 13:00-15:00
    siegburg = html[html.index('id="region-siegburg"') : html.index('id="region-troisdorf"')]
    assert "08:00-12:00, 13:00-15:00" in siegburg and ">29,0<" in siegburg and ">6,0<" in siegburg
    assert "Deutsch, Englisch, Türkisch, Arabisch, Ukrainisch, Russisch" in siegburg
    # the test clock: Thursday 26 November 2026, 10:30 in Siegburg
    assert "Hotline geöffnet" in siegburg and "bis 12:00" in siegburg
    # a counsellor sees the counselling area, not the planner's or the admin's
    assert 'href="/counsellor"' in html
    assert 'href="/planning"' not in html and 'href="/admin/users"' not in html


async def test_login_follows_next_but_only_to_local_paths(client: Client) -> None:
    page = await client.get("/login")
    token = csrf_from(await page.text())
    for target, expected in (("/counsellor", "/counsellor"), ("//evil.example/x", "/"), ("https://evil.example", "/")):
        await client.post("/logout", data={"csrf_token": csrf_from(await (await client.get("/login")).text())})
        token = csrf_from(await (await client.get("/login")).text())
        response = await client.post(
            "/login",
            data={"username": "anna", "password": PASSWORD, "csrf_token": token, "next": target},
            allow_redirects=False,
        )
        assert response.headers["Location"] == expected


async def test_wrong_password_and_unknown_user_get_the_same_error(client: Client) -> None:
    for username, password in (("anna", "not the password"), ("nobody", PASSWORD)):
        page = await client.get("/login")
        response = await client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_from(await page.text())},
        )
        assert response.status == 401
        assert "Benutzername oder Passwort ist falsch." in await response.text()
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_login_without_csrf_token_is_refused(client: Client) -> None:
    await client.get("/login")
    response = await client.post("/login", data={"username": "anna", "password": PASSWORD})
    assert response.status == 403
    assert "Formular abgelaufen" in await response.text()
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_a_token_from_another_browser_does_not_count(client: Client, aiohttp_client: object) -> None:
    page = await client.get("/login")
    token = csrf_from(await page.text())
    client.session.cookie_jar.clear()
    await client.get("/login")  # a new pre-session cookie: the old token no longer matches
    response = await client.post("/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token})
    assert response.status == 403


async def test_roles_open_their_areas_and_nothing_else(client: Client) -> None:
    await log_in(client, "paul")
    assert (await client.get("/planning")).status == 200
    forbidden = await client.get("/audit")
    assert forbidden.status == 403
    assert "Kein Zugriff" in await forbidden.text()
    assert (await client.get("/admin/users")).status == 403


async def test_admin_sees_every_account_with_roles_and_regions(client: Client) -> None:
    await log_in(client, "root")
    html = await (await client.get("/admin/users")).text()
    rows = re.findall(r"<tr>\s*<td>(\w+)</td>", html)
    assert rows == ["anna", "paul", "root"]
    assert "siegburg" in html and "Beratung" in html


async def test_logout_ends_the_session_on_the_server(client: Client) -> None:
    await log_in(client, "anna")
    session_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["hotline_session"].value
    home = await client.get("/")
    response = await client.post("/logout", data={"csrf_token": csrf_from(await home.text())}, allow_redirects=False)
    assert response.headers["Location"] == "/login?logged_out=1"
    client.session.cookie_jar.update_cookies({"hotline_session": session_cookie})  # replaying the old cookie
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_logout_needs_the_csrf_token(client: Client) -> None:
    await log_in(client, "anna")
    assert (await client.post("/logout", data={})).status == 403
    assert (await client.get("/")).status == 200


async def test_an_idle_session_expires_and_the_login_page_says_so(client: Client, clock: ManualClock) -> None:
    await log_in(client, "anna")
    clock.advance(hours=3)
    response = await client.get("/counsellor", allow_redirects=False)
    assert redirect_of(response.headers["Location"]) == ("/login", {"next": "/counsellor", "expired": "1"})
    page = await client.get(response.headers["Location"])
    assert "Ihre Sitzung ist abgelaufen" in await page.text()


async def test_session_cookie_is_httponly_and_samesite_lax(client: Client) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": csrf_from(await page.text())},
        allow_redirects=False,
    )
    cookie = response.cookies["hotline_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # the public URL of the tests is http; https sets Secure


async def test_start_page_says_why_a_line_is_closed_and_when_it_opens(client: Client, clock: ManualClock) -> None:
    clock.now = clock.now.replace(month=12, day=25)  # Christmas Day, during the year-end closure
    await log_in(client, "anna")
    html = await (await client.get("/")).text()
    eitorf = html[html.index('id="region-eitorf"') :]
    assert "Hotline geschlossen" in eitorf
    assert "Schließung: Betriebsruhe zum Jahreswechsel" in eitorf
    assert "Wieder geöffnet ab 04.01.2027, 08:00" in eitorf
    await client.get("/language?set=en&next=/")
    english = await (await client.get("/")).text()
    eitorf = english[english.index('id="region-eitorf"') :]
    assert "Opens again 4 Jan 2027, 08:00" in eitorf


async def test_the_start_page_shows_english_formats_in_english(client: Client) -> None:
    await log_in(client, "anna")
    await client.get("/language?set=en&next=/")
    html = await (await client.get("/")).text()
    siegburg = html[html.index('id="region-siegburg"') : html.index('id="region-troisdorf"')]
    assert ">29.0<" in siegburg and "German, English, Turkish, Arabic, Ukrainian, Russian" in siegburg
    assert "Hotline open" in siegburg and " 12:00" in siegburg and "26.11.2026" not in siegburg


async def test_english_on_request_and_remembered(client: Client) -> None:
    response = await client.get("/language?set=en&next=/login")
    html = await response.text()
    assert '<html lang="en">' in html and "Log in" in html and "Username" in html
    assert '<html lang="en">' in await (await client.get("/login")).text()
