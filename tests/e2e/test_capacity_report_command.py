"""`hotline capacity report` as an operator runs it: a real process on a seeded SQLite database,
JSON with every table, one table as CSV, and clear refusals with exit code 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.processes import hotline_env
from tests.processes import run_hotline as run


def test_the_report_prints_the_planner_figures_as_json_and_a_table_as_csv(tmp_path: Path) -> None:
    env = hotline_env(tmp_path / "var")
    assert run(["db", "upgrade"], env).returncode == 0
    seeded = run(["demo", "seed", "--days", "7", "--until", "2026-11-28", "--calls-per-weekday", "20", "--json"], env)
    assert seeded.returncode == 0, seeded.stderr

    report = run(["capacity", "report", "--region", "siegburg", "--from", "2026-11-21", "--to", "2026-11-27"], env)
    assert report.returncode == 0, report.stderr
    document = json.loads(report.stdout)
    assert (document["region"], document["from"], document["to"]) == ("siegburg", "2026-11-21", "2026-11-27")
    figures = document["figures"]
    assert figures["calls"] >= figures["callers"] > 0 and figures["answered"] > 0
    assert 0 <= figures["service_level"] <= 1
    assert document["counted"]["service_level"].startswith("Share answered within 20 s")
    key_figures = document["tables"]["key-figures"]
    assert key_figures["columns"] == ["figure", "value", "counted"]
    assert ["calls", figures["calls"]] == key_figures["rows"][0][:2]
    assert {"demand-by-hour", "service-level", "waiting", "calls", "staffing", "load"} <= set(document["tables"])

    table = run(["capacity", "report", "--region", "siegburg", "--format", "csv", "--table", "demand-by-hour"], env)
    assert table.returncode == 0, table.stderr
    rows = list(csv.reader(io.StringIO(table.stdout.lstrip("\ufeff"))))
    assert rows[0] == ["hour", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    unknown = run(["capacity", "report", "--region", "atlantis"], env)
    assert unknown.returncode == 2 and "unknown region atlantis" in unknown.stderr
    backwards = run(["capacity", "report", "--from", "2026-11-27", "--to", "2026-11-01"], env)
    assert backwards.returncode == 2 and "Der Zeitraum endet vor seinem Beginn." in backwards.stderr
    no_table = run(["capacity", "report", "--format", "csv", "--table", "nothing"], env)
    assert no_table.returncode == 2 and "no table nothing" in no_table.stderr
