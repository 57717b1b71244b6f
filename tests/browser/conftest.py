"""A real `hotline serve` and Debian's Chromium driven by Playwright; every page state checked with axe-core.

Without Chromium (or Playwright) these tests are skipped with the reason; with
HOTLINE_REQUIRE_BROWSER=1 (CI) that is a failure instead. Browsers are never downloaded.

House rule: every page a browser test visits passes axe-core with zero violations. A test that
drives the served app but checks no page with `assert_accessible` fails, and the run ends with
a line counting the page states checked.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from config.settings import load_settings
from staff.accounts import create_user
from staff.roles import Role
from storage.clock import system_clock
from storage.engine import create_engine, session_factory
from tests.processes import ServedHotline, hotline_env, served_hotline
from tests.support import run_aside

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("HOTLINE_REQUIRE_BROWSER") == "1"
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    roles: tuple[Role, ...]
    regions: tuple[str, ...] = ("siegburg",)  # none: every region


# A module that needs more people overrides the `accounts` fixture.
ACCOUNTS = (Account("anna", "Anna Schmidt", ("counsellor",)), Account("dora", "Dora Weber", ("desk",)))


def _missing_browser() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set HOTLINE_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Chromium for the worker's browser tests, started once (each test has a fresh context).
    Playwright's sync API keeps an event loop running in this thread while it is open, which
    the async tests must not meet: browser tests run last (tests/conftest.py sorts them)."""
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
def accounts() -> tuple[Account, ...]:
    """The staff accounts the module's service starts with."""
    return ACCOUNTS


@pytest.fixture(scope="module")
def served_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment the module's service runs in: a directory, hence a SQLite database, of its own."""
    return hotline_env(tmp_path_factory.mktemp("browser") / "var")


@pytest.fixture(scope="module")
def hotline(
    served_env: dict[str, str], accounts: tuple[Account, ...], migrated_sqlite: Path
) -> Iterator[ServedHotline]:
    """The service on SQLite with the module's staff accounts. Its database starts as a copy of
    the one the migrations made for the run, and the accounts are written before it starts:
    `hotline db upgrade` and `hotline users add` as processes cost seconds a module, and
    tests/e2e/test_command_line.py runs them as an operator would."""
    database = Path(load_settings(served_env).database_url.removeprefix("sqlite:///"))
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_sqlite, database)
    run_aside(lambda: _add_accounts(f"sqlite:///{database}", accounts))
    with served_hotline(served_env) as served:
        yield served


async def _add_accounts(database_url: str, accounts: tuple[Account, ...]) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine).begin() as session:
            for account in accounts:
                await create_user(
                    session,
                    username=account.username,
                    password=PASSWORD,
                    roles=account.roles,
                    regions=account.regions,
                    display_name=account.name,
                    now=system_clock(),
                )
    finally:
        await engine.dispose()


# A page answering 4xx (a form with errors, a wrong password) makes the browser log this; nothing
# else may reach the console, above all no Content-Security-Policy violation ("Refused to ...").
_FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3}) ")


def _expected_console_error(text: str, provoked: Collection[int]) -> bool:
    failed = _FAILED_LOAD.match(text)
    return failed is not None and (failed[1].startswith("4") or int(failed[1]) in provoked)


@contextmanager
def browser_tab(browser: Any, base_url: str, provoked: Collection[int] = (), **options: Any) -> Iterator[Any]:
    """A tab in a fresh browser context (no cookies, German); fails if the console shows an error
    or a script throws. `provoked`: 5xx statuses the test causes on purpose."""
    context = browser.new_context(base_url=base_url, locale="de-DE", **options)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        problems: list[str] = []
        page.on(
            "console",
            lambda message: (
                problems.append(f"{message.text} ({page.url})")
                if message.type == "error" and not _expected_console_error(message.text, provoked)
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error} ({page.url})"))
        yield page
    finally:
        context.close()
    assert problems == [], "the browser console reported errors"


@pytest.fixture
def provoked_statuses() -> set[int]:
    """Server errors (5xx) a test provokes on purpose; add to it before the page answers one."""
    return set()


@pytest.fixture
def page(browser: Any, hotline: ServedHotline, provoked_statuses: set[int]) -> Iterator[Any]:
    """A fresh browser tab on the served app; the test fails if the console shows an error."""
    with browser_tab(browser, hotline.base_url, provoked_statuses) as tab:
        yield tab


def log_in(page: Any, username: str) -> None:
    """Log in through the login form; the start page is shown."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label(re.compile("^(Benutzername|Username)$")).fill(username)
    page.get_by_label(re.compile("^(Passwort|Password)$")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("^(Anmelden|Log in)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^(Startseite|Start page)$"))


def switch_to_english(page: Any) -> None:
    """The language link in the header; the choice stays for the browser context."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


# --- axe-core -------------------------------------------------------------------------------


@dataclass
class AxeTally:
    """The page states checked in this run, as "test id: state"."""

    clean: list[str]
    violating: list[str]


TALLY = AxeTally(clean=[], violating=[])


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """What axe-core (shipped inside the axe-playwright-python wheel) finds on the page as it is
    now, with its default rules: WCAG 2.x A and AA and the best practices. axe-core goes into a
    document once: the wheel's `Axe.run` sends its 570 kB again for every check of the same page."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("() => typeof window.axe?.run === 'function'"):
        page.evaluate(AXE_SCRIPT)
    return list(page.evaluate("() => axe.run({resultTypes: ['violations']})")["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One line per rule (id, impact, what it asks), then the CSS target of each element it caught."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {' '.join(map(str, node['target']))}" for node in violation["nodes"])
    return "\n".join(lines)


def assert_accessible(page: Any, state: str) -> None:
    """axe-core finds no violation on the page as it is now; `state` names it in the failure."""
    __tracebackhide__ = True
    violations = axe_violations(page)
    checked = f"{os.environ.get('PYTEST_CURRENT_TEST', '?').split(' ')[0]}: {state}"
    if violations:
        TALLY.violating.append(checked)
        report = f"axe-core: {len(violations)} rule(s) violated on {state} ({page.url}):\n" + describe_violations(
            violations
        )
        print(report)
        raise AssertionError(report)
    TALLY.clean.append(checked)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test that passes while driving the served app must have checked at least one page."""
    before = len(TALLY.clean) + len(TALLY.violating)
    result = yield
    if "hotline" in getattr(item, "fixturenames", ()) and len(TALLY.clean) + len(TALLY.violating) == before:
        pytest.fail("this browser test checks no page with assert_accessible (axe-core on every page state)")
    return result


def pytest_terminal_summary(terminalreporter: Any) -> None:
    checked = len(TALLY.clean) + len(TALLY.violating)
    if not checked:
        return
    terminalreporter.write_sep("-", "axe-core")
    terminalreporter.write_line(
        f"{checked} page states checked: {len(TALLY.clean)} with zero violations, {len(TALLY.violating)} with some"
    )
    if terminalreporter.config.get_verbosity() > 0:
        for state in TALLY.clean:
            terminalreporter.write_line(f"  ok        {state}")
    for state in TALLY.violating:
        terminalreporter.write_line(f"  VIOLATED  {state}")
