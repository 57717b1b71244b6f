"""Resident memory of an idle `hotline serve` (SQLite, example deployment), after a few requests.

Run: .venv/bin/python bench/idle_memory.py     Goal: under 120 MB RSS.
"""

from __future__ import annotations

import http.cookiejar
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.processes import hotline_env, run_hotline, served_hotline

GOAL_MB = 120.0
PAGES = ("/healthz", "/readyz", "/login", "/static/hotline.css", "/login?lang=en")


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _fail_a_login(browser: urllib.request.OpenerDirector, base_url: str, login_page: str) -> None:
    """A wrong password, so one argon2 verification counts towards the peak."""
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', login_page)
    assert token, "no CSRF token on the login page"
    form = urllib.parse.urlencode({"username": "nobody", "password": "wrong password", "csrf_token": token.group(1)})
    try:
        browser.open(base_url + "/login", data=form.encode(), timeout=10)
    except urllib.error.HTTPError as refused:
        if refused.code not in (401, 429):
            raise


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        env = hotline_env(Path(scratch) / "var")
        run_hotline(["db", "upgrade"], env)
        with served_hotline(env) as served:
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            for _ in range(20):
                for page in PAGES:
                    with browser.open(served.base_url + page, timeout=5) as response:
                        html = response.read().decode()
                _fail_a_login(browser, served.base_url, html)
            time.sleep(2)  # idle, as the target says
            rss = _status_kb(served.process.pid, "VmRSS") / 1024
            peak = _status_kb(served.process.pid, "VmHWM") / 1024
    rows = [
        ("requests served before measuring", f"{20 * (len(PAGES) + 1)}", "incl. 20 failed logins (argon2id)"),
        ("RSS when idle", f"{rss:.1f} MB", f"goal < {GOAL_MB:.0f} MB: {'PASS' if rss < GOAL_MB else 'MISS'}"),
        ("peak RSS (VmHWM)", f"{peak:.1f} MB", f"goal < {GOAL_MB:.0f} MB: {'PASS' if peak < GOAL_MB else 'MISS'}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>10}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
