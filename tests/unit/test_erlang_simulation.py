"""Erlang C and Erlang A against an independent computation: the queue itself, simulated.

The simulation shares no formula with planning/erlang.py. Callers arrive as a Poisson stream,
each with an exponential handling time and (Erlang A) an exponential patience, and are served
first come, first served by n counsellors. In FCFS order a caller can only start on the earliest
counsellor to come free after everyone ahead has been placed, so a heap of the counsellors'
free-again times gives every caller's wait exactly; a caller whose patience runs out first gives
up and takes nobody's time.

Tolerance: the figures of one long run are correlated from caller to caller, so their standard
error is estimated by batch means (20 batches of 10,000 callers, each longer than the queue's
memory at these loads); a model figure must lie within four standard errors (a false alarm
about once in 15,000 runs, and the seed is fixed), plus 0.002 for the batches' residual correlation.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
from dataclasses import dataclass

import pytest

from planning.erlang import Staffing, evaluate

ARRIVALS = 200_000
WARM_UP = 2_000  # callers before the queue forgets that it started empty
BATCHES = 20
INTERVAL_S = 1800.0


@dataclass(frozen=True)
class Observed:
    """Each figure as (mean, standard error by batch means)."""

    service_level: tuple[float, float]
    p_wait: tuple[float, float]
    asa_s: tuple[float, float]
    p_abandon: tuple[float, float]


def simulate(calls: float, aht_s: float, target_s: float, agents: int, patience_s: float | None, seed: int) -> Observed:
    rng = random.Random(seed)
    rate = calls / INTERVAL_S
    free_at = [0.0] * agents  # when each counsellor is free again
    now = 0.0
    rows: list[tuple[bool, bool, bool, float]] = []  # in time, waited, gave up, wait if answered
    for index in range(ARRIVALS + WARM_UP):
        now += rng.expovariate(rate)
        patience = rng.expovariate(1.0 / patience_s) if patience_s is not None else math.inf
        handling = rng.expovariate(1.0 / aht_s)
        start = max(now, free_at[0])
        wait = start - now
        gave_up = wait > patience
        if not gave_up:
            heapq.heapreplace(free_at, start + handling)
        if index >= WARM_UP:
            rows.append((not gave_up and wait <= target_s, wait > 0, gave_up, wait))
    size = len(rows) // BATCHES
    batches = [rows[i * size : (i + 1) * size] for i in range(BATCHES)]

    def figure(per_batch: list[float]) -> tuple[float, float]:
        return statistics.fmean(per_batch), statistics.stdev(per_batch) / math.sqrt(len(per_batch))

    def asa(batch: list[tuple[bool, bool, bool, float]]) -> float:
        answered = [wait for _, _, gave_up, wait in batch if not gave_up]
        return statistics.fmean(answered)

    return Observed(
        service_level=figure([sum(r[0] for r in b) / len(b) for b in batches]),
        p_wait=figure([sum(r[1] for r in b) / len(b) for b in batches]),
        asa_s=figure([asa(b) for b in batches]),
        p_abandon=figure([sum(r[2] for r in b) / len(b) for b in batches]),
    )


def assert_agrees(model: Staffing, observed: Observed) -> None:
    for name in ("service_level", "p_wait", "asa_s", "p_abandon"):
        mean, error = getattr(observed, name)
        expected = getattr(model, name)
        slack = 4 * error + (0.002 if name != "asa_s" else 0.002 * max(1.0, expected))
        assert abs(mean - expected) <= slack, f"{name}: model {expected:.4f}, simulated {mean:.4f} ± {error:.4f}"


@pytest.mark.parametrize(
    ("calls", "aht_s", "target_s", "agents", "patience_s"),
    [
        pytest.param(100, 180, 20, 12, None, id="erlang-c-10-erlang-12-counsellors"),
        pytest.param(100, 180, 20, 11, 90, id="erlang-a-short-of-counsellors"),
        pytest.param(360, 240, 15, 45, 60, id="erlang-a-overloaded-48-erlang"),
    ],
)
def test_figures_agree_with_a_simulated_queue(
    calls: float, aht_s: float, target_s: float, agents: int, patience_s: float | None
) -> None:
    model = evaluate(calls, INTERVAL_S, aht_s, target_s, agents, patience_s)
    observed = simulate(calls, aht_s, target_s, agents, patience_s, seed=20261207)
    assert_agrees(model, observed)
