"""Health, readiness, request ids and error mapping."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from service.app import Overrides, create_app
from storage.engine import create_engine
from tests.e2e.conftest import Client
from tests.support import make_settings


async def test_healthz_and_readyz(client: Client) -> None:
    assert await (await client.get("/healthz")).json() == {"status": "alive"}
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["database"] == "ok"


async def test_readyz_is_503_when_the_database_is_unreachable(
    aiohttp_client: Callable[..., Awaitable[Client]], tmp_path: Path
) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"  # nothing listens on port 1
    engine = create_engine(url)
    client = await aiohttp_client(create_app(make_settings(tmp_path, url), overrides=Overrides(engine=engine)))
    try:
        assert (await client.get("/healthz")).status == 200
        response = await client.get("/readyz")
        assert response.status == 503
        assert await response.json() == {"status": "unavailable", "database": "unreachable"}
    finally:
        await client.close()  # the app stops before its engine is disposed
        await engine.dispose()


async def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client: Client) -> None:
    generated = [(await client.get("/healthz")).headers["X-Request-Id"] for _ in range(2)]
    assert all(re.fullmatch(r"[0-9a-f]{20}", request_id) for request_id in generated)
    assert generated[0] != generated[1]
    kept = await client.get("/healthz", headers={"X-Request-Id": "proxy-1234abcd"})
    assert kept.headers["X-Request-Id"] == "proxy-1234abcd"
    replaced = await client.get("/healthz", headers={"X-Request-Id": "<script>"})
    assert replaced.headers["X-Request-Id"] != "<script>"


async def test_unknown_page_gets_a_page_and_unknown_api_path_json(client: Client) -> None:
    page = await client.get("/no/such/page")
    text = await page.text()
    assert page.status == 404 and "Seite nicht gefunden" in text
    # The request id is labelled for IT support; "Vorgangsnummer" would read as the customer's case number.
    assert f"Fehlerkennung (für die IT-Betreuung): <code>{page.headers['X-Request-Id']}</code>" in text
    assert "Vorgangsnummer" not in text
    english = await client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert f"Error code (for IT support): <code>{english.headers['X-Request-Id']}</code>" in await english.text()
    api = await client.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.status == 404 and (await api.json())["error"] == "not_found"


async def test_oversized_request_is_refused(client: Client) -> None:
    await client.get("/login")
    response = await client.post("/login", data={"username": "x" * 100_000, "password": "y"})
    assert response.status == 413
