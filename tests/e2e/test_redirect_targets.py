"""Every redirect that takes its target from the request stays on this site (issue 10, finding 1)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.support import csrf_from

pytestmark = pytest.mark.usefixtures("staff")

# As reported: a tab (browsers drop it, leaving //evil.example), and line breaks and other
# control characters that made the Location header raise and the connection close.
REPORTED = ["/\t/evil.example", "/\n/x", "/\r/x", "/\x00/x", "/\x1f/x"]
OTHERS = ["//evil.example", "/\\evil.example", "https://evil.example", "/%2fevil.example", "/%2F%2Fevil.example",
          "/%5Cevil.example", "javascript:alert(1)", " //evil.example"]  # fmt: skip


async def test_the_reported_language_switch_url_goes_to_the_start_page(client: Client) -> None:
    response = await client.get("/language?set=de&next=%2F%09%2Fevil.example", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", REPORTED + OTHERS)
async def test_the_language_switch_only_leads_to_our_pages(client: Client, target: str) -> None:
    response = await client.get("/language", params={"set": "en", "next": target}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/"
    assert response.cookies["hotline_lang"].value == "en"  # the switch itself still works


async def test_the_language_switch_returns_to_the_page_it_came_from(client: Client) -> None:
    response = await client.get(
        "/language", params={"set": "en", "next": "/kontakt/siegburg?x=1"}, allow_redirects=False
    )
    assert response.headers["Location"] == "/kontakt/siegburg?x=1"


@pytest.mark.parametrize("target", REPORTED + OTHERS)
async def test_the_login_page_only_leads_to_our_pages(client: Client, target: str) -> None:
    form = await client.get("/login", params={"next": target})
    assert form.status == 200
    assert re.search(r'name="next" value="/"', await form.text())
    await log_in(client, "anna")
    logged_in = await client.get("/login", params={"next": target}, allow_redirects=False)
    assert logged_in.status == 303 and logged_in.headers["Location"] == "/"


@pytest.mark.parametrize("target", REPORTED + OTHERS)
async def test_logging_in_only_leads_to_our_pages(client: Client, target: str) -> None:
    token = csrf_from(await (await client.get("/login")).text())
    response = await client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": token, "next": target},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/"


async def test_logging_in_returns_to_the_page_that_asked_for_it(client: Client) -> None:
    asked = await client.get("/worklist?region=siegburg", allow_redirects=False)
    login_url = asked.headers["Location"]
    token = csrf_from(await (await client.get(login_url)).text())
    response = await client.post(
        login_url,
        data={"username": "anna", "password": PASSWORD, "csrf_token": token, "next": "/worklist?region=siegburg"},
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/worklist?region=siegburg"
