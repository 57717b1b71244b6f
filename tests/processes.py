"""Running `hotline` as real processes, as an operator would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from config.settings import EXAMPLE_DEPLOYMENT

HOTLINE = [sys.executable, "-m", "service.cli"]
ROOT = Path(__file__).parents[1]


def hotline_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without any HOTLINE_/TWILIO_ setting of the developer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    env.update({"HOTLINE_VAR_DIR": str(var_dir), "HOTLINE_CONFIG": str(EXAMPLE_DEPLOYMENT)})
    env.update(extra)
    return env


def run_hotline(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HOTLINE, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT, check=False
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServedHotline:
    process: subprocess.Popen[str]
    base_url: str


@contextmanager
def served_hotline(env: dict[str, str]) -> Iterator[ServedHotline]:
    """`hotline serve` on a free loopback port, ready when entered, killed if still up at exit."""
    port = free_port()
    process = subprocess.Popen(
        [*HOTLINE, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    served = ServedHotline(process, f"http://127.0.0.1:{port}")
    try:
        _wait_until_ready(served)
        yield served
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _wait_until_ready(served: ServedHotline, attempts: int = 150) -> None:
    for _ in range(attempts):  # a bounded number of 0.1 s polls of /readyz, not a timing assertion
        if served.process.poll() is not None:
            stderr = served.process.stderr.read() if served.process.stderr else ""
            raise AssertionError(f"hotline serve exited early: {stderr}")
        try:
            with urllib.request.urlopen(f"{served.base_url}/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("hotline serve did not become ready")
