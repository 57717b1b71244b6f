"""A real `hotline serve` and Debian's Chromium driven by Playwright.

Without Chromium (or Playwright) these tests are skipped with the reason; with
HOTLINE_REQUIRE_BROWSER=1 (CI) that is a failure instead. Browsers are never downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.processes import ServedHotline, hotline_env, run_hotline, served_hotline

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("HOTLINE_REQUIRE_BROWSER") == "1"
PASSWORD = "correct horse battery"


def _missing_browser() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set HOTLINE_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module: Playwright's sync API keeps an event loop running in this
    thread while it is open, which the async tests must not meet."""
    missing = _missing_browser()
    if missing:
        if REQUIRE_BROWSER:
            pytest.fail(f"browser tests are required (HOTLINE_REQUIRE_BROWSER=1): {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def hotline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHotline]:
    """The service on SQLite with anna (counsellor in Siegburg) and dora (front desk in Siegburg)."""
    env = hotline_env(tmp_path_factory.mktemp("browser") / "var")
    assert run_hotline(["db", "upgrade"], env).returncode == 0
    for username, name, role in (("anna", "Anna Schmidt", "counsellor"), ("dora", "Dora Weber", "desk")):
        added = run_hotline(
            ["users", "add", username, "--name", name, "--role", role, "--region", "siegburg", "--password-stdin"],
            env,
            stdin=PASSWORD + "\n",
        )
        assert added.returncode == 0, added.stderr
    with served_hotline(env) as served:
        yield served


# Pages answering 4xx (a form with errors, a wrong password) make the browser log this; nothing else
# may reach the console, above all no Content-Security-Policy violation ("Refused to ...").
_EXPECTED_ERROR = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d ")


@pytest.fixture
def page(browser: Any, hotline: ServedHotline) -> Iterator[Any]:
    """A fresh browser tab; the test fails if the console shows an error or a script throws."""
    context = browser.new_context(base_url=hotline.base_url, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"{message.text} ({page.url})")
            if message.type == "error" and not _EXPECTED_ERROR.match(message.text)
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error} ({page.url})"))
    yield page
    context.close()
    assert problems == [], "the browser console reported errors"
