"""`hotline capacity staff` as its own process: the installed command finds the planning package."""

from __future__ import annotations

import json
from pathlib import Path

from tests.processes import hotline_env, run_hotline


def test_the_installed_command_prints_the_staffing_as_json(tmp_path: Path) -> None:
    result = run_hotline(
        ["capacity", "staff", "--calls", "100", "--interval", "30m", "--aht", "180", "--target", "20",
         "--service-level", "0.8", "--max-occupancy", "1", "--json"],
        hotline_env(tmp_path / "var"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["agents"] == 14  # Call Centre Helper's worked example (tests/unit/test_erlang.py)
    assert printed["p_abandon"] == 0.0
