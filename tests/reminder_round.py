"""One service process's round of counselling reminders, as the scheduler of `hotline serve` runs
it, for tests that start several such processes at the same moment against one database.

`reminder_rounds(url, var_dir, moment, processes=2)` starts them, lets them go together and
returns what each sent. Run alone: python -m tests.reminder_round DATABASE_URL VAR_DIR MOMENT
builds the app (without a Twilio account: its SMS land in the outbox), prints "ready", waits for a
line on its standard input, runs one round at MOMENT (ISO 8601), and prints how many it sent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
from pathlib import Path

from aiohttp import web
from sqlalchemy import text

from service import keys
from service.app import Overrides, create_app
from tests.processes import ROOT, hotline_env
from tests.support import ManualClock, make_settings


def reminder_rounds(database_url: str, var_dir: Path, moment: dt.datetime, processes: int = 2) -> list[int]:
    """Start `processes` rounds, release them together once all are ready; what each sent."""
    command = [sys.executable, "-m", "tests.reminder_round", database_url, str(var_dir), moment.isoformat()]
    started = [
        subprocess.Popen(
            command, cwd=ROOT, env=hotline_env(var_dir), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    try:
        for process in started:  # each has built its app and connected: only the round itself is left
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        for process in started:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=60)[0] for process in started]
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
    assert all(process.returncode == 0 for process in started), outputs
    return [int(output.strip()) for output in outputs]


async def one_round(database_url: str, var_dir: Path, moment: dt.datetime) -> int:
    settings = make_settings(var_dir, database_url)
    app = create_app(settings, overrides=Overrides(clock=ManualClock(moment), run_jobs=False))
    runner = web.AppRunner(app)
    await runner.setup()  # the app's resources, as when it serves: engine, outbound port, text messages
    try:
        async with app[keys.SESSIONS].begin() as session:  # connected before the start
            await session.execute(text("SELECT 1"))
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        sent = await app[keys.COUNSELLING].send_reminders()
        await app[keys.TEXTS].settled()
    finally:
        await runner.cleanup()
    return sent


if __name__ == "__main__":
    print(asyncio.run(one_round(sys.argv[1], Path(sys.argv[2]), dt.datetime.fromisoformat(sys.argv[3]))), flush=True)
