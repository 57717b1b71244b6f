"""Callers, monitors and staff while another process locks the database for 30 s.

Run: .venv/bin/python bench/database_faults.py
Goals: every voice webhook answers within 3 s, /readyz within 2 s, a staff page within 5 s, and
every callback and voicemail asked for during the lock is written once it is gone.

`hotline serve` runs as a real process on SQLite and on PostgreSQL (127.0.0.1, user postgres, a
fresh database). A second process holds the lock: `BEGIN EXCLUSIVE` on SQLite, `LOCK TABLE … IN
ACCESS EXCLUSIVE MODE` on every table of the service on PostgreSQL (tests/lock_holder.py). Every
BATCH_SECONDS during the lock the bench sends a batch of voice webhooks (a new call, a language
choice, a callback confirmation, a finished voicemail, each as a new call), asks /readyz and opens
/worklist as a logged-in counsellor. Latencies are from send to the last byte of the answer.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from twilio.request_validator import RequestValidator

from config.settings import load_settings
from tests.lock_holder import locked_by_another_process
from tests.processes import hotline_env, run_hotline, served_hotline

LOCK_SECONDS = 30.0
BATCH_SECONDS = 5.0
CALLERS_PER_KIND = 3
VOICE_GOAL, READY_GOAL, PAGE_GOAL = 3.0, 2.0, 5.0
SETTLE_SECONDS = 180.0  # after the lock: time for late work to be written
HOTLINE = "+4922419000100"
PASSWORD = "bench password that is long enough"


@dataclass
class Figures:
    voice: list[float] = field(default_factory=list)
    voice_statuses: dict[int, int] = field(default_factory=dict)
    ready: list[float] = field(default_factory=list)
    page: list[float] = field(default_factory=list)
    asked_for: int = 0
    written: int = 0
    settle_seconds: float = 0.0


class Caller:
    def __init__(self, base_url: str, public_url: str, token: str, number: str) -> None:
        self.base_url, self.public_url = base_url, public_url
        self.validator = RequestValidator(token)
        self.call_sid = "CA" + secrets.token_hex(16)
        self.number = number

    async def post(self, session: aiohttp.ClientSession, path: str, **extra: str) -> tuple[float, int]:
        fields = {"CallSid": self.call_sid, "From": self.number, "To": HOTLINE, "CallStatus": "in-progress"} | extra
        headers = {"X-Twilio-Signature": self.validator.compute_signature(self.public_url + path, fields)}
        started = time.monotonic()
        async with session.post(self.base_url + path, data=fields, headers=headers) as response:
            await response.read()
            return time.monotonic() - started, response.status


async def timed_get(session: aiohttp.ClientSession, url: str) -> float:
    started = time.monotonic()
    async with session.get(url, allow_redirects=False) as response:
        await response.read()
    return time.monotonic() - started


async def log_in(session: aiohttp.ClientSession, base_url: str) -> None:
    async with session.get(base_url + "/login") as page:
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', await page.text())
    assert token, "no CSRF token on the login page"
    form = {"username": "bench", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    async with session.post(base_url + "/login", data=form, allow_redirects=False) as response:
        assert response.status == 303, f"login failed: {response.status}"


def count_concerns(database_url: str) -> int:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            return int(connection.execute("SELECT count(*) FROM concerns").fetchone()[0])
    name = database_url.rsplit("/", 1)[1]
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-tAc", "SELECT count(*) FROM concerns"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(out.stdout.strip())


async def batch(
    session: aiohttp.ClientSession, base_url: str, settings_env: dict[str, str], n: int
) -> list[tuple[float, int]]:
    settings = load_settings(settings_env)
    callers = [
        Caller(base_url, settings.public_url, settings.webhook_auth_token, f"+4917610{n:03d}{i:03d}")
        for i in range(4 * CALLERS_PER_KIND)
    ]
    recording = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/"
    requests = []
    for i, caller in enumerate(callers):
        kind = i % 4
        if kind == 0:
            requests.append(caller.post(session, "/twilio/voice"))
        elif kind == 1:
            requests.append(caller.post(session, "/twilio/voice/language", Digits="1"))
        elif kind == 2:
            requests.append(caller.post(session, "/twilio/callback/answer?lang=de", Digits="1"))
        else:
            sid = "RE" + secrets.token_hex(16)
            voicemail = {"RecordingSid": sid, "RecordingUrl": recording + sid, "RecordingDuration": "12"}
            requests.append(caller.post(session, "/twilio/voicemail/done?lang=de", **voicemail))
    return await asyncio.gather(*requests)


async def measure(base_url: str, env: dict[str, str], database_url: str) -> Figures:
    figures = Figures()
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await log_in(session, base_url)
        n = 0
        with locked_by_another_process(database_url):
            started = time.monotonic()
            while time.monotonic() - started < LOCK_SECONDS - BATCH_SECONDS:
                voice, ready, page = await asyncio.gather(
                    batch(session, base_url, env, n),
                    timed_get(session, base_url + "/readyz"),
                    timed_get(session, base_url + "/worklist"),
                )
                for seconds, status in voice:
                    figures.voice.append(seconds)
                    figures.voice_statuses[status] = figures.voice_statuses.get(status, 0) + 1
                figures.asked_for += 2 * CALLERS_PER_KIND
                figures.ready.append(ready)
                figures.page.append(page)
                n += 1
                await asyncio.sleep(max(started + n * BATCH_SECONDS - time.monotonic(), 0))
            await asyncio.sleep(max(started + LOCK_SECONDS - time.monotonic(), 0))
        released = time.monotonic()
        while time.monotonic() - released < SETTLE_SECONDS:
            figures.written = count_concerns(database_url)
            if figures.written >= figures.asked_for:
                break
            await asyncio.sleep(0.5)
        figures.settle_seconds = time.monotonic() - released
    return figures


def run(database_url: str, scratch: Path) -> Figures:
    env = hotline_env(scratch / "var", HOTLINE_DATABASE_URL=database_url)
    for args, stdin in ((["db", "upgrade"], None), (["users", "add", "bench", "--role", "counsellor", "--region",
                                                      "siegburg", "--password-stdin"], PASSWORD + "\n")):  # fmt: skip
        done = run_hotline(args, env, stdin)
        assert done.returncode == 0, done.stderr
    with served_hotline(env) as served:
        return asyncio.run(measure(served.base_url, env, database_url))


def ms(values: list[float], q: float | None = None) -> str:
    if not values:
        return "-"
    if q is None:
        return f"{max(values) * 1000:,.0f}"
    return f"{statistics.quantiles(values, n=100, method='inclusive')[int(q) - 1] * 1000:,.0f}"


def main() -> int:
    results: list[tuple[str, Figures]] = []
    with tempfile.TemporaryDirectory() as scratch:
        results.append(("SQLite, BEGIN EXCLUSIVE", run(f"sqlite:///{scratch}/hotline.db", Path(scratch))))
    name = f"hotline_faults_{secrets.token_hex(4)}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c"]
    if subprocess.run([*psql, f"CREATE DATABASE {name}"], capture_output=True, check=False).returncode == 0:
        try:
            with tempfile.TemporaryDirectory() as scratch:
                url = f"postgresql://postgres@127.0.0.1:5432/{name}"
                results.append(("PostgreSQL, LOCK TABLE … ACCESS EXCLUSIVE", run(url, Path(scratch))))
        finally:
            subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True, check=False)
    else:
        print("PostgreSQL not reachable at 127.0.0.1:5432: measured SQLite only")
    print(f"\nlock held {LOCK_SECONDS:.0f} s by another process; a batch every {BATCH_SECONDS:.0f} s\n")
    header = f"{'fault':44} {'voice':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'readyz max':>10} {'page max':>9}"
    print(header + f" {'asked':>6} {'written':>8} {'after s':>8}")
    ok = True
    for fault, f in results:
        print(
            f"{fault:44} {len(f.voice):>6} {ms(f.voice, 50):>7} {ms(f.voice, 99):>7} {ms(f.voice):>7}"
            f" {ms(f.ready):>10} {ms(f.page):>9} {f.asked_for:>6} {f.written:>8} {f.settle_seconds:>8.1f}"
        )
        verdicts = [
            ("every voice webhook within 3 s", max(f.voice) < VOICE_GOAL and set(f.voice_statuses) == {200}),
            ("/readyz within 2 s", max(f.ready) < READY_GOAL),
            ("staff page within 5 s", max(f.page) < PAGE_GOAL),
            ("everything asked for written after the lock", f.written == f.asked_for),
        ]
        for goal, passed in verdicts:
            ok &= passed
            print(f"  goal: {goal}: {'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
