"""Signed `POST /twilio/voice` against `hotline serve` (SQLite, example deployment), next to a bare
aiohttp "hello" app measured in the same run on the same machine.

Run: .venv/bin/python bench/webhooks.py
Goals: p99 under 25 ms at 200 requests per second, and at least a third of the bare app's throughput.

Both servers run in their own processes on loopback, on the same event loop (uvloop where
installed, as `hotline serve` does); the load comes from this process (aiohttp client, keep-alive
connection pool, asyncio's own loop). Every request to the hotline is a new call: a fresh CallSid,
a random German mobile number calling Siegburg (six languages, so the answer is the language
menu), signed as Twilio signs it; each call's row and contact event are written in the arrival
log's next group commit, and after the run the bench counts them against the webhooks sent.
Per target:

- throughput: a closed loop of WORKERS concurrent senders for THROUGHPUT_SECONDS;
- fixed rate: an open loop sending RATE requests a second for RATE_SECONDS, latency measured from
  each request's *scheduled* send time, so a stall anywhere (client, pool, server) counts in full.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import phonenumbers
from twilio.request_validator import RequestValidator

from config.settings import load_settings
from tests.processes import HOTLINE, ROOT, free_port, hotline_env, run_hotline

GOAL_P99_MS = 25.0
GOAL_RATIO = 1 / 3
RATE = 200  # requests a second in the fixed-rate measurement
RATE_SECONDS = 5.0
WORKERS = 16  # concurrent senders in the throughput measurement
THROUGHPUT_SECONDS = 5.0
MAX_THROUGHPUT_REQUESTS = 40_000  # prepared up front; bounds the closed loop besides the clock
WARMUP_REQUESTS = 300
REQUEST_TIMEOUT_S = 10.0
OTHER_LOAD_WARNING = 0.10
HOTLINE_NUMBER = "+4922419000100"  # Siegburg: six languages, answered with the language menu
# `--fallback` drives the database-free fallback webhook instead: the same signing, deciding and
# rendering without the call log's write, to show what that write costs.
FALLBACK = "--fallback" in sys.argv[1:]
VOICE_PATH = "/twilio/voice/fallback" if FALLBACK else "/twilio/voice"
EXPECTED = "<Say" if FALLBACK else "<Gather"  # the language menu; a fallback apology would not do
# German mobile prefixes whose numbers have eight digits after the prefix (all valid, checked below).
MOBILE_PREFIXES = ("151", "152", "157", "159", "160", "162", "163", *(f"17{d}" for d in range(10)))

BARE_APP = """
import sys
from aiohttp import web

HELLO = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say></Response>'


async def hello(request):
    return web.Response(text=HELLO, content_type="application/xml")


try:  # the event loop `hotline serve` runs on, so both servers stand on the same footing
    import uvloop
    loop = uvloop.new_event_loop()
except ImportError:
    loop = None
app = web.Application()
app.router.add_post("/", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None, loop=loop)
"""


class SignatureRefused(RuntimeError):
    """The hotline answered 403: the bench signs wrongly, and every number it would print is void."""


def _signature_refused(failure: BaseException) -> SignatureRefused | None:
    """The SignatureRefused in `failure`, which a task group may have wrapped in an exception group."""
    if isinstance(failure, SignatureRefused):
        return failure
    if isinstance(failure, BaseExceptionGroup):
        for inner in failure.exceptions:
            if found := _signature_refused(inner):
                return found
    return None


@dataclass(frozen=True)
class Webhook:
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    pid: int
    signer: WebhookSigner
    expect: str  # in every good answer besides <Response>: the hotline's language menu gathers a key


@dataclass
class Phase:
    """One measurement: latencies of the good answers (seconds), errors, elapsed and CPU time."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    other_load: float = 0.0  # share of the machine's CPU used by processes other than client and server
    late_sends: list[float] = field(default_factory=list)  # open loop: actual minus scheduled send time

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, p: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    @property
    def server_cpu_ms_per_request(self) -> float:
        done = len(self.latencies) + self.errors
        return self.server_cpu / done * 1000 if done else float("nan")


class WebhookSigner:
    """Builds the incoming-call webhooks Twilio would send, signed over the public URL."""

    def __init__(self, auth_token: str, public_url: str, rng: random.Random) -> None:
        self.validator = RequestValidator(auth_token)
        self.url = public_url + VOICE_PATH
        self.rng = rng

    def caller(self) -> str:
        number = "+49" + self.rng.choice(MOBILE_PREFIXES) + "".join(self.rng.choices("0123456789", k=8))
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), f"{number} is not a valid number"
        return number

    def incoming_call(self) -> Webhook:
        fields = {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller(),
            "To": HOTLINE_NUMBER,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(self.url, fields),
        }
        return Webhook(urllib.parse.urlencode(fields).encode(), headers)

    def calls(self, count: int) -> list[Webhook]:
        return [self.incoming_call() for _ in range(count)]


# --- the servers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds so far: this process (the client), the server, and the whole machine (from /proc)."""

    client: float
    server: float
    machine_busy: float
    machine_total: float

    @classmethod
    def take(cls, server_pid: int) -> CpuSnapshot:
        tick = os.sysconf("SC_CLK_TCK")
        server = Path(f"/proc/{server_pid}/stat").read_text().rpartition(")")[2].split()
        # cpu  user nice system idle iowait irq softirq steal ...
        machine = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return cls(
            client=time.process_time(),
            server=(int(server[11]) + int(server[12])) / tick,
            machine_busy=(sum(machine) - machine[3] - machine[4]) / tick,
            machine_total=sum(machine) / tick,
        )

    def charge(self, phase: Phase, server_pid: int) -> None:
        """Fill in the CPU time `phase` took since this snapshot."""
        now = CpuSnapshot.take(server_pid)
        phase.client_cpu, phase.server_cpu = now.client - self.client, now.server - self.server
        others = (now.machine_busy - self.machine_busy) - phase.client_cpu - phase.server_cpu
        phase.other_load = max(0.0, others) / max(now.machine_total - self.machine_total, 1e-9)


@contextmanager
def _server(command: list[str], env: dict[str, str], log_path: Path, ready: urllib.request.Request) -> Iterator[int]:
    """A server process, its output in `log_path`, ready when entered and stopped at exit."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        for _ in range(150):  # a bounded number of 0.1 s polls
            if process.poll() is not None:
                raise RuntimeError(f"{command[-1]} exited early:\n{log_path.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(ready, timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{ready.full_url} did not answer in 15 s")
        yield process.pid
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# --- the load ------------------------------------------------------------------------------


async def _send(session: aiohttp.ClientSession, target: Target, hook: Webhook) -> bool:
    """True for a 200 with TwiML; False for any other answer or a failed connection."""
    try:
        async with session.post(target.url, data=hook.body, headers=hook.headers) as response:
            text = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError):
        return False
    if status == 403:
        raise SignatureRefused(f"{target.name} refused a webhook with 403: {text!r}")
    return status == 200 and "<Response>" in text and target.expect in text


async def closed_loop(session: aiohttp.ClientSession, target: Target, hooks: list[Webhook], seconds: float) -> Phase:
    phase = Phase()
    pending = iter(hooks)  # shared by the workers; bounds the loop besides the clock
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds

    async def worker() -> None:
        for hook in pending:
            if loop.time() >= deadline:
                return
            sent = loop.time()
            if await _send(session, target, hook):
                phase.latencies.append(loop.time() - sent)
            else:
                phase.errors += 1

    cpu, start = CpuSnapshot.take(target.pid), loop.time()
    async with asyncio.TaskGroup() as group:
        for _ in range(WORKERS):
            group.create_task(worker())
    phase.elapsed = loop.time() - start
    cpu.charge(phase, target.pid)
    return phase


async def open_loop(session: aiohttp.ClientSession, target: Target, hooks: list[Webhook], rate: float) -> Phase:
    """Send hooks[i] at start + i/rate whatever came back before; latency counts from that moment."""
    phase = Phase()
    loop = asyncio.get_running_loop()
    last_done = 0.0

    async def one(hook: Webhook, scheduled: float) -> None:
        nonlocal last_done
        phase.late_sends.append(loop.time() - scheduled)
        ok = await _send(session, target, hook)
        last_done = max(last_done, loop.time())
        if ok:
            phase.latencies.append(loop.time() - scheduled)
        else:
            phase.errors += 1

    cpu = CpuSnapshot.take(target.pid)
    start = loop.time() + 0.01
    async with asyncio.TaskGroup() as group:
        for index, hook in enumerate(hooks):
            scheduled = start + index / rate
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            group.create_task(one(hook, scheduled))
    phase.elapsed = last_done - start
    cpu.charge(phase, target.pid)
    return phase


async def measure(target: Target) -> tuple[Phase, Phase]:
    """Warm up, then the fixed-rate and the throughput measurement of one target.

    The client's cyclic garbage collector is paused during each measurement (and run between
    them), so the load generator's own pauses do not show up as the server's latency."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await closed_loop(session, target, target.signer.calls(WARMUP_REQUESTS), seconds=30.0)
        hooks = target.signer.calls(int(RATE * RATE_SECONDS))
        with _collector_paused():
            fixed = await open_loop(session, target, hooks, RATE)
        await asyncio.sleep(0.5)
        hooks = target.signer.calls(MAX_THROUGHPUT_REQUESTS)
        with _collector_paused():
            throughput = await closed_loop(session, target, hooks, THROUGHPUT_SECONDS)
    return throughput, fixed


@contextmanager
def _collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- the run -------------------------------------------------------------------------------


def _post(url: str) -> urllib.request.Request:
    return urllib.request.Request(url, data=b"", method="POST")


def _psql(database: str, sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()


def _rows_written(database: Path, postgres: str | None) -> tuple[int, int]:
    if postgres:
        calls = _psql(postgres, "SELECT count(*) FROM telephony_calls")
        events = _psql(postgres, "SELECT count(*) FROM contact_events WHERE kind = 'call_received'")
        return int(calls), int(events)
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        calls = db.execute("SELECT count(*) FROM telephony_calls").fetchone()[0]
        events = db.execute("SELECT count(*) FROM contact_events WHERE kind = 'call_received'").fetchone()[0]
    return int(calls), int(events)


def _print_table(results: dict[str, tuple[Phase, Phase]]) -> None:
    header = ("target", "measure", "req/s", "p50 ms", "p99 ms", "errors", "srv CPU ms/req", "client CPU", "other load")
    rows: list[tuple[str, ...]] = []
    for name, (throughput, fixed) in results.items():
        for label, phase in ((f"throughput ({WORKERS} conc.)", throughput), (f"{RATE} req/s fixed", fixed)):
            rows.append(
                (
                    name,
                    label,
                    f"{phase.rate:.0f}",
                    f"{phase.percentile_ms(50):.1f}",
                    f"{phase.percentile_ms(99):.1f}",
                    f"{phase.errors}",
                    f"{phase.server_cpu_ms_per_request:.2f}",
                    f"{phase.client_cpu / phase.elapsed:.0%}",
                    f"{phase.other_load:.0%}",
                )
            )
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print(
            "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def main() -> int:
    """`--postgres` runs the hotline on a fresh PostgreSQL database (127.0.0.1, user postgres)
    instead of SQLite: production's database, without aiosqlite's thread hand-offs.
    `--fallback` measures `/twilio/voice/fallback`, which answers without the database."""
    postgres = f"hotline_webhooks_{secrets.token_hex(4)}" if "--postgres" in sys.argv[1:] else None
    if postgres:
        _psql("test", f"CREATE DATABASE {postgres}")
    try:
        return _run(postgres)
    finally:
        if postgres:
            _psql("test", f"DROP DATABASE IF EXISTS {postgres} WITH (FORCE)")


def _run(postgres: str | None) -> int:
    rng = random.Random(20260101)
    results: dict[str, tuple[Phase, Phase]] = {}
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as scratch:
        hotline_port, bare_port = free_port(), free_port()
        hotline_url = f"http://127.0.0.1:{hotline_port}"
        database = {"HOTLINE_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{postgres}"} if postgres else {}
        env = hotline_env(
            Path(scratch) / "var",
            HOTLINE_SECRET_KEY=secrets.token_urlsafe(48),
            HOTLINE_PUBLIC_URL=hotline_url,
            **database,
        )
        upgraded = run_hotline(["db", "upgrade"], env)
        if upgraded.returncode != 0:
            print(f"hotline db upgrade failed:\n{upgraded.stderr}", file=sys.stderr)
            return 1
        signer = WebhookSigner(load_settings(env).webhook_auth_token, hotline_url, rng)
        try:
            with _server(
                [sys.executable, "-c", BARE_APP, str(bare_port)],
                dict(os.environ),
                Path(scratch) / "bare.log",
                _post(f"http://127.0.0.1:{bare_port}/"),
            ) as bare_pid:
                bare = Target("bare aiohttp", f"http://127.0.0.1:{bare_port}/", bare_pid, signer, "Hello")
                results[bare.name] = asyncio.run(measure(bare))
            with _server(
                [*HOTLINE, "serve", "--port", str(hotline_port)],
                env,
                Path(scratch) / "hotline.log",
                urllib.request.Request(hotline_url + "/readyz"),
            ) as hotline_pid:
                hotline = Target("hotline", hotline_url + VOICE_PATH, hotline_pid, signer, EXPECTED)
                results[hotline.name] = asyncio.run(measure(hotline))
            calls, events = _rows_written(Path(scratch) / "var" / "hotline.db", postgres)
            log_lines = (Path(scratch) / "hotline.log").read_text(errors="replace").splitlines()
        except Exception as failure:
            refused = _signature_refused(failure)
            if refused is None:
                raise
            print(f"FAILED: {refused}; the numbers would be meaningless", file=sys.stderr)
            return 1

    hotline_tp, hotline_fixed = results["hotline"]
    answered = WARMUP_REQUESTS + sum(len(p.latencies) + p.errors for p in results["hotline"])
    complaints = [line for line in log_lines if '"level": "warning"' in line or '"level": "error"' in line]
    _print_table(results)
    print()
    late = sorted(hotline_fixed.late_sends)
    print(
        "latency: throughput from each request's actual send; fixed rate from its scheduled send time "
        f"(the client sent late by p99 {late[len(late) * 99 // 100] * 1000:.1f} ms, max {late[-1] * 1000:.1f} ms "
        "in the hotline's fixed-rate run)"
    )
    print(
        f"CPU: client CPU is a share of one core; other load is the share of all {os.cpu_count()} CPUs "
        "used by other processes while measuring"
    )
    busiest = max(phase.other_load for phases in results.values() for phase in phases)
    if busiest > OTHER_LOAD_WARNING:
        print(
            f"WARNING: other processes used up to {busiest:.0%} of the machine during a measurement; numbers are noisy"
        )
    print(
        f"hotline wrote {calls} call rows and {events} call_received events for {answered} webhooks sent; "
        f"{len(complaints)} warning/error log lines"
    )
    for line in complaints[:3]:
        print(f"  {line[:300]}")
    print()
    p99 = hotline_fixed.percentile_ms(99)
    ratio = hotline_tp.rate / results["bare aiohttp"][0].rate
    print(f"goal: p99 at {RATE} req/s < {GOAL_P99_MS:.0f} ms: {p99:.1f} ms  {'PASS' if p99 < GOAL_P99_MS else 'MISS'}")
    print(
        f"goal: hotline throughput >= 1/3 of bare: {hotline_tp.rate:.0f} / {results['bare aiohttp'][0].rate:.0f}"
        f" = {ratio:.2f}  {'PASS' if ratio >= GOAL_RATIO else 'MISS'}"
    )
    if not FALLBACK:  # a fast answer counts only if the call was logged too
        logged = calls == events == answered
        print(f"check: every webhook's call row and event written: {'PASS' if logged else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
