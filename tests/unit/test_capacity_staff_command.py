"""`hotline capacity staff` as an operator types it, run in this process through `service.cli.main`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from config.settings import EXAMPLE_DEPLOYMENT
from planning.erlang import evaluate, required_agents
from service.cli import main

FIGURES = ["agents", "service_level", "p_wait", "asa_s", "p_abandon", "occupancy"]


@pytest.fixture(autouse=True)
def no_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --config or $HOTLINE_CONFIG the command uses plain defaults."""
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)


def staff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["capacity", "staff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_without_agents_it_prints_the_fewest_that_meet_the_target(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = staff(
        capsys, "--calls", "100", "--interval", "30m", "--aht", "180", "--target", "20", "--service-level", "0.8",
        "--json",
    )  # fmt: skip
    assert code == 0
    printed = json.loads(out)
    assert list(printed) == FIGURES
    assert printed["agents"] == 14
    assert printed == {name: getattr(required_agents(100, 1800, 180, 20, 0.8), name) for name in FIGURES}


def test_with_agents_and_patience_it_evaluates_by_erlang_a(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = staff(
        capsys, "--calls", "100", "--interval", "60m", "--aht", "180", "--patience", "90", "--agents", "6", "--json"
    )
    assert code == 0
    expected = evaluate(100, 3600, 180, 20, 6, 90)
    assert json.loads(out) == {name: getattr(expected, name) for name in FIGURES}
    assert 0 < json.loads(out)["p_abandon"] < 1


def test_an_unbounded_wait_is_null_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = staff(capsys, "--calls", "100", "--aht", "180", "--agents", "10", "--json")
    assert code == 0
    assert json.loads(out)["asa_s"] is None  # 10 Erlang on 10 counsellors: the line never clears


def test_the_maximum_occupancy_raises_the_number(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = staff(capsys, "--calls", "2000", "--aht", "180", "--json")
    _, capped, _ = staff(capsys, "--calls", "2000", "--aht", "180", "--max-occupancy", "0.85", "--json")
    assert json.loads(out)["occupancy"] > 0.85 >= json.loads(capped)["occupancy"]
    assert json.loads(capped)["agents"] == math.ceil(200 / 0.85)


def test_the_readable_table_names_each_figure(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = staff(capsys, "--calls", "100", "--aht", "180", "--patience", "120")
    assert code == 0
    assert "10.00 Erlang (Erlang A, mean patience 120 s)" in out
    assert "goal: 80% answered within 20 s" in out
    for label in ("counsellors on the phone", "answered within 20 s", "callers who give up", "occupancy"):
        assert label in out


def test_defaults_come_from_the_deployment_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = EXAMPLE_DEPLOYMENT.read_text(encoding="utf-8")
    assert 'target = "20s"' in text and "service_level = 0.8" in text
    deployment = tmp_path / "deployment.toml"
    deployment.write_text(
        text.replace('target = "20s"', 'target = "60s"').replace("service_level = 0.8", "service_level = 0.9"),
        encoding="utf-8",
    )
    code, out, _ = staff(capsys, "--config", str(deployment), "--calls", "100", "--aht", "180", "--json")
    assert code == 0
    planning_max_occupancy = 0.85  # the example's [planning]
    assert json.loads(out)["agents"] == required_agents(100, 1800, 180, 60, 0.9, None, planning_max_occupancy).agents


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--calls", "-5", "--aht", "180"], 'argument --calls: "-5" is not a number of calls'),
        (["--calls", "ten", "--aht", "180"], 'argument --calls: "ten" is not a number of calls'),
        (["--calls", "10", "--aht", "180", "--interval", "20m"], 'argument --interval: "20m" is not a staffing'),
        (["--calls", "10", "--aht", "180", "--interval", "half"], 'argument --interval: "half" is not a staffing'),
        (["--calls", "10", "--aht", "180", "--service-level", "0"], 'argument --service-level: "0" is not a share'),
        (["--calls", "10", "--aht", "180", "--service-level", "1.5"], "argument --service-level: "),
        (["--calls", "10", "--aht", "0"], 'argument --aht: "0" is not a number of seconds above 0'),
        (["--calls", "10", "--aht", "180", "--patience", "-1"], "argument --patience: "),
        (["--calls", "10", "--aht", "180", "--agents", "2.5"], 'argument --agents: "2.5" is not a number'),
        (["--calls", "10"], "the following arguments are required: --aht"),
    ],
)
def test_bad_input_exits_2_naming_the_option(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["capacity", "staff", *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("interval", ["15m", "30m", "60m", "1h", "1800", "900s"])
def test_every_staffing_interval_is_understood(capsys: pytest.CaptureFixture[str], interval: str) -> None:
    code, out, _ = staff(capsys, "--calls", "0", "--aht", "180", "--interval", interval, "--json")
    assert (code, json.loads(out)["agents"]) == (0, 0)
