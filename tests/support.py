"""Helpers the tests share: a clock that only moves when told, settings for a temp directory."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from config.settings import EXAMPLE_DEPLOYMENT, Settings

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


class ManualClock:
    """Stands still until the test advances it."""

    def __init__(self, start: dt.datetime) -> None:
        assert start.tzinfo is not None
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def make_settings(tmp_path: Path, database_url: str, **changes: object) -> Settings:
    values: dict[str, object] = {
        "config_path": EXAMPLE_DEPLOYMENT,
        "database_url": database_url,
        "public_url": "http://127.0.0.1:8080",
        "secret_key": TEST_SECRET,
        "var_dir": tmp_path / "var",
    }
    values.update(changes)
    return Settings.model_validate(values)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def run_aside(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine on a loop of its own in a thread: session fixtures may be set up while
    a test's event loop is already running, where `asyncio.run` would refuse."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(work())).result()
