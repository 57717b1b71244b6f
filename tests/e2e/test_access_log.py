"""One JSON line per request, with its request id and without the query string."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from service.app import Overrides, create_app
from service.logs import JsonAccessLogger, JsonFormatter
from tests.e2e.conftest import Client
from tests.support import ManualClock, make_settings
from tests.twilio_requests import FakeTwilio


@pytest.fixture
async def logged_client(
    aiohttp_client: Callable[..., Awaitable[Client]],
    engine: AsyncEngine,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[Client]:
    settings = make_settings(tmp_path, database_url)
    app = create_app(settings, overrides=Overrides(clock=clock, engine=engine, run_jobs=False))
    server = TestServer(app)  # started here: the server_kwargs of aiohttp_client do not reach the runner
    await server.start_server(access_log_class=JsonAccessLogger, access_log=logging.getLogger("hotline.access"))
    client = await aiohttp_client(server)
    yield client
    await client.close()  # the app stops (its arrival log's last round) before the engine is disposed


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "hotline.access"]


async def test_each_request_is_one_line_with_its_id_and_no_query(
    logged_client: Client, caplog: pytest.LogCaptureFixture, tmp_path: Path, database_url: str
) -> None:
    caplog.set_level(logging.INFO, logger="hotline.access")
    page = await logged_client.get("/kontakt/siegburg?telefon=017612345678")
    status, _ = await FakeTwilio(logged_client, make_settings(tmp_path, database_url)).post("/twilio/voice")
    [web_form, webhook] = access_lines(caplog)
    assert web_form["path"] == "/kontakt/siegburg" and "017612345678" not in json.dumps(web_form)
    assert (web_form["method"], web_form["status"]) == ("GET", page.status)
    assert web_form["request_id"] == page.headers["X-Request-Id"]
    assert (webhook["path"], webhook["status"], webhook["logger"]) == ("/twilio/voice", status, "hotline.access")
    assert isinstance(webhook["duration_ms"], float)
