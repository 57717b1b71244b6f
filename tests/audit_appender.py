"""One service process appending to the audit trail, for tests that start several such processes
at the same moment against one database.

`appends_from_processes(url, var_dir, processes, each)` starts them, lets them go together and
returns the sequence numbers each got. Run alone: python -m tests.audit_appender DATABASE_URL COUNT
connects, prints "ready", waits for a line on its standard input, appends COUNT records, each in
a transaction of its own as the web middleware does, and prints their sequence numbers as JSON.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from audit.trail import AuditRecord, append
from storage.engine import create_engine, session_factory
from tests.processes import ROOT, hotline_env


def appends_from_processes(database_url: str, var_dir: Path, processes: int, each: int) -> list[list[int]]:
    """Start `processes` appenders, release them together once all are ready; the seqs each got."""
    command = [sys.executable, "-m", "tests.audit_appender", database_url, str(each)]
    started = [
        subprocess.Popen(
            command, cwd=ROOT, env=hotline_env(var_dir), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    try:
        for process in started:  # each has connected: only the appends are left
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
    return [json.loads(output) for output in outputs]


async def append_many(database_url: str, count: int) -> list[int]:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as session:  # connected before the start
            await session.execute(text("SELECT 1"))
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        seqs = []
        for n in range(count):
            async with sessions.begin() as session:
                record = AuditRecord(
                    at=dt.datetime.now(dt.UTC),
                    actor=f"system:process-{os.getpid()}",
                    action="viewed_concern",
                    object_type="concern",
                    object_id=f"K-{n}",
                )
                seqs.append(await append(session, record))
        return seqs
    finally:
        await engine.dispose()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(append_many(sys.argv[1], int(sys.argv[2])))), flush=True)
