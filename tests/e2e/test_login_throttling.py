"""Logging in under attack, through the real login route from several addresses: nobody can
lock a colleague out (issue 10, finding 7).

Every browser here is a client of the same test server connecting from its own loopback
address (all of 127.0.0.0/8 is loopback), which the app sees as `request.remote`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import TCPConnector

from service.logs import JsonFormatter
from staff.login_clients import DEVICE_COOKIE_PREFIX, device_cookie_name
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.support import TEST_SECRET, ManualClock, csrf_from

pytestmark = pytest.mark.usefixtures("staff")
MakeClient = Callable[..., Awaitable[Client]]
_ERROR = re.compile(r'<p class="error"[^>]*>(.*?)</p>', re.S)


async def browser_at(aiohttp_client: MakeClient, client: Client, address: str) -> Client:
    """Another browser, on another address, of the same running service."""
    return await aiohttp_client(client.server, connector=TCPConnector(local_addr=(address, 0)))


async def try_login(browser: Client, username: str, password: str) -> tuple[int, str, dict[str, str]]:
    token = csrf_from(await (await browser.get("/login")).text())
    response = await browser.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, allow_redirects=False
    )
    return response.status, await response.text(), dict(response.headers)


def error_of(html: str) -> str:
    match = _ERROR.search(html)
    assert match, "the page shows no error"
    return match.group(1)


async def test_five_wrong_passwords_from_one_address_do_not_lock_out_the_right_one_from_another(
    client: Client, aiohttp_client: MakeClient
) -> None:
    for _ in range(5):
        assert (await try_login(client, "anna", "wrong wrong"))[0] == 401
    status, html, headers = await try_login(client, "anna", "wrong wrong")
    assert status == 429 and headers["Retry-After"] == "30"
    assert error_of(html) == "Zu viele fehlgeschlagene Anmeldungen. Bitte in 30 Sekunden erneut versuchen."
    anna = await browser_at(aiohttp_client, client, "127.0.0.2")
    status, _, headers = await try_login(anna, "anna", PASSWORD)
    assert status == 303 and headers["Location"] == "/"
    assert (await anna.get("/", allow_redirects=False)).status == 200


async def test_the_wait_grows_and_is_shown_in_minutes_once_it_is_long(client: Client, clock: ManualClock) -> None:
    for _ in range(5):
        await try_login(client, "anna", "wrong wrong")
    for seconds in (30, 60, 120, 240):
        clock.advance(seconds=seconds)
        assert (await try_login(client, "anna", "wrong wrong"))[0] == 401
    status, html, headers = await try_login(client, "anna", PASSWORD)
    assert status == 429 and headers["Retry-After"] == "480"
    assert error_of(html) == "Zu viele fehlgeschlagene Anmeldungen. Bitte in 8 Minuten erneut versuchen."
    english = await client.get("/language", params={"set": "en", "next": "/login"})
    assert english.status == 200
    _, html, _ = await try_login(client, "anna", PASSWORD)
    assert error_of(html) == "Too many failed logins. Please try again in 8 minutes."
    clock.advance(minutes=8)
    assert (await try_login(client, "anna", PASSWORD))[0] == 303


async def test_the_wait_page_does_not_tell_whether_the_user_exists(client: Client, aiohttp_client: MakeClient) -> None:
    other = await browser_at(aiohttp_client, client, "127.0.0.2")
    answers = []
    for browser, username in ((client, "anna"), (other, "nobody")):
        for _ in range(5):
            assert (await try_login(browser, username, "wrong wrong"))[0] == 401
        status, html, headers = await try_login(browser, username, "wrong wrong")
        answers.append((status, headers["Retry-After"], error_of(html)))
    assert answers[0] == answers[1]


async def test_a_browser_that_logged_in_before_gets_in_while_a_botnet_guesses_the_name(
    client: Client, aiohttp_client: MakeClient
) -> None:
    assert await log_in(client, "anna") == 303  # anna's own computer: it now carries a device cookie
    home = await client.get("/")
    await client.post("/logout", data={"csrf_token": csrf_from(await home.text())})
    [device_cookie] = [c for c in client.session.cookie_jar if c.key.startswith(DEVICE_COOKIE_PREFIX)]
    assert device_cookie.key == device_cookie_name("anna", TEST_SECRET)
    assert device_cookie["httponly"] and device_cookie["path"] == "/login"

    for n in range(3, 13):  # ten guesses from ten addresses
        bot = await browser_at(aiohttp_client, client, f"127.0.0.{n}")
        assert (await try_login(bot, "anna", "guess guess"))[0] == 401

    newcomer = await browser_at(aiohttp_client, client, "127.0.0.20")
    status, _, headers = await try_login(newcomer, "anna", PASSWORD)
    assert status == 429 and headers["Retry-After"] == "15"  # a new computer waits a little
    assert (await try_login(client, "anna", PASSWORD))[0] == 303  # the known one does not


async def test_a_forged_or_borrowed_device_cookie_does_not_count(client: Client, aiohttp_client: MakeClient) -> None:
    paul = await browser_at(aiohttp_client, client, "127.0.0.2")
    assert await log_in(paul, "paul") == 303
    [pauls] = [c for c in paul.session.cookie_jar if c.key.startswith(DEVICE_COOKIE_PREFIX)]
    for n in range(3, 13):
        bot = await browser_at(aiohttp_client, client, f"127.0.0.{n}")
        await try_login(bot, "anna", "guess guess")
    annas_cookie = device_cookie_name("anna", TEST_SECRET)
    issued, nonce, signature = pauls.value.split(".")
    for n, value in enumerate((pauls.value, f"{issued}.{nonce}.{signature[::-1]}", "1.2.3")):
        forger = await browser_at(aiohttp_client, client, f"127.0.0.{30 + n}")
        forger.session.cookie_jar.update_cookies({annas_cookie: value})
        assert (await try_login(forger, "anna", PASSWORD))[0] == 429


async def test_failed_logins_are_logged_with_the_user_name_only(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="hotline.login")
    await try_login(client, "Anna", "my secret guess")
    formatter = JsonFormatter()
    [line] = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "hotline.login"]
    assert line["message"] == "login failed" and line["username"] == "anna"
    assert "my secret guess" not in json.dumps(line) and "127.0.0.1" not in json.dumps(line)
