"""Erlang B, C and A: published values, an exact brute-force chain, large loads, and the rules
that hold for every load (more counsellors never serve worse)."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from planning.erlang import (
    Staffing,
    erlang_b,
    erlang_c,
    evaluate,
    paid_counsellors,
    required_agents,
    required_agents_many,
)

HALF_HOUR = 1800.0


# --- published values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "load", "blocked"),
    [
        # Erlang B tables (e.g. ITU-T E.521 / any teletraffic handbook's table of A for a grade of
        # service): 10 lines carry 4.46 Erlang at 1 % and 5.084 Erlang at 2 % blocking;
        # 5 Erlang on 10 lines block 1.84 %, 2 Erlang on 5 lines 3.67 %.
        (10, 4.46, 0.0100),
        (10, 5.084, 0.0200),
        (10, 5.0, 0.01838),
        (5, 2.0, 0.03670),
        (1, 1.0, 0.5),  # one line: A / (1 + A)
    ],
)
def test_erlang_b_matches_the_tables(lines: int, load: float, blocked: float) -> None:
    assert erlang_b(lines, load) == pytest.approx(blocked, abs=5e-5)


def test_erlang_c_matches_closed_forms_of_small_queues() -> None:
    # M/M/1: the share waiting is the utilisation; M/M/2: 2ρ² / (1 + ρ) with ρ = A / 2.
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(2, 1.6) == pytest.approx(2 * 0.8**2 / 1.8)


def test_the_call_centre_helper_worked_example() -> None:
    """Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example": 100 calls
    in 30 minutes, 180 s handling (10 Erlang), 80 % in 20 s, at most 85 % occupancy, 30 % shrinkage.
    Published: with 11 agents 68.21 % of calls wait; the answer is 14 agents at 71.4 % occupancy,
    20 on the payroll after shrinkage."""
    eleven = evaluate(100, HALF_HOUR, 180, 20, 11)
    assert eleven.p_wait == pytest.approx(0.6821, abs=5e-5)
    # 1 - P(wait)·exp(-(N - A)·t / AHT), and ASA = P(wait)·AHT / (N - A)
    assert eleven.service_level == pytest.approx(1 - 0.68212 * math.exp(-20 / 180), abs=1e-4)
    assert eleven.asa_s == pytest.approx(0.68212 * 180, abs=0.01)
    staffing = required_agents(100, HALF_HOUR, 180, 20, 0.8, max_occupancy=0.85)
    assert staffing.agents == 14
    assert staffing.occupancy == pytest.approx(0.714, abs=5e-4)
    assert staffing.service_level >= 0.8 > evaluate(100, HALF_HOUR, 180, 20, 13).service_level
    assert round(paid_counsellors(staffing.agents, 0.3), 9) == 20


# --- Erlang A against its chain, summed by brute force ------------------------------------------


def chain(calls: float, aht_s: float, agents: int, patience_s: float, states: int = 400) -> tuple[float, float]:
    """P(wait) and P(abandon) from the birth-death chain's stationary distribution, in plain
    products (fine at these small loads), with P(abandon) by Little's law: θ·E[queue] / λ."""
    rate, service, give_up = calls / HALF_HOUR, 1 / aht_s, 1 / patience_s
    weights = [1.0]
    for j in range(1, states):
        weights.append(weights[-1] * rate / (min(j, agents) * service + max(0, j - agents) * give_up))
    total = sum(weights)
    p_wait = sum(weights[agents:]) / total
    queue = sum((j - agents) * w for j, w in enumerate(weights) if j > agents) / total
    return p_wait, give_up * queue / rate


@pytest.mark.parametrize(
    ("calls", "aht_s", "agents", "patience_s"),
    [(100, 180, 11, 90), (100, 180, 8, 60), (360, 240, 45, 60), (20, 300, 2, 600), (50, 120, 1, 30)],
)
def test_erlang_a_agrees_with_the_chain(calls: float, aht_s: float, agents: int, patience_s: float) -> None:
    p_wait, p_abandon = chain(calls, aht_s, agents, patience_s)
    figures = evaluate(calls, HALF_HOUR, aht_s, 0, agents, patience_s)
    assert figures.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert figures.p_abandon == pytest.approx(p_abandon, rel=1e-9)
    assert figures.service_level == pytest.approx(1 - p_wait, rel=1e-9)  # target 0: only the unqueued
    # Counsellors are busy with the callers who stay: carried load = A·(1 - P(abandon)).
    assert figures.occupancy == pytest.approx(calls * aht_s / HALF_HOUR * (1 - p_abandon) / agents)


@pytest.mark.parametrize("agents", [11, 12, 15])
def test_erlang_a_with_endless_patience_is_erlang_c(agents: int) -> None:
    patient = evaluate(100, HALF_HOUR, 180, 20, agents, patience_s=1e9)
    waiting = evaluate(100, HALF_HOUR, 180, 20, agents)
    assert patient.service_level == pytest.approx(waiting.service_level, abs=1e-5)
    assert patient.p_wait == pytest.approx(waiting.p_wait, abs=1e-5)
    assert patient.asa_s == pytest.approx(waiting.asa_s, rel=1e-4)
    assert patient.p_abandon < 1e-5


# --- large loads --------------------------------------------------------------------------------


def test_a_thousand_erlang_are_exact_and_finite() -> None:
    calls = 1000 * HALF_HOUR / 180  # 10^3 Erlang: A^N / N! would overflow a double at N > 170
    for patience in (None, 120.0, 1800.0):
        staffing = required_agents(calls, HALF_HOUR, 180, 20, 0.8, patience_s=patience)
        assert staffing.service_level >= 0.8
        assert all(math.isfinite(getattr(staffing, name)) for name in Staffing.__slots__)
        below = evaluate(calls, HALF_HOUR, 180, 20, staffing.agents - 1, patience)
        assert below.service_level < 0.8
    # Square-root staffing: Erlang C needs about A + β·√A counsellors, a few dozen above 1000.
    assert 1000 < required_agents(calls, HALF_HOUR, 180, 20, 0.8).agents < 1050
    assert math.isfinite(erlang_b(100_000, 99_000.0)) and 0 < erlang_c(100_000, 99_900.0) < 1


def test_an_overloaded_interval_has_no_finite_wait_without_abandonment() -> None:
    figures = evaluate(100, HALF_HOUR, 180, 20, 10)  # 10 Erlang on 10 counsellors
    assert (figures.service_level, figures.p_wait, figures.asa_s, figures.occupancy) == (0.0, 1.0, math.inf, 1.0)
    # With abandonment the same interval settles: those who give up make room.
    settled = evaluate(100, HALF_HOUR, 180, 20, 10, patience_s=120)
    assert math.isfinite(settled.asa_s) and 0 < settled.p_abandon < 1


# --- staffing -----------------------------------------------------------------------------------


def test_no_calls_need_nobody() -> None:
    assert required_agents(0, HALF_HOUR, 180, 20, 0.8) == Staffing(0, 1.0, 0.0, 0.0, 0.0, 0.0)
    assert required_agents(0, HALF_HOUR, 180, 20, 0.8, patience_s=60).agents == 0


def test_the_occupancy_cap_can_decide() -> None:
    # 200 Erlang meet 80/20 at high occupancy; a cap of 85 % needs 200 / 0.85 = 236 counsellors.
    calls = 200 * HALF_HOUR / 180
    assert required_agents(calls, HALF_HOUR, 180, 20, 0.8).occupancy > 0.9
    assert required_agents(calls, HALF_HOUR, 180, 20, 0.8, max_occupancy=0.85).agents == 236


def test_many_intervals_are_solved_as_one_by_one() -> None:
    calls = [0, 12, 40, 12, 0, 95.5, 40]
    for patience in (None, 90.0):
        many = required_agents_many(calls, HALF_HOUR, 240, 20, 0.8, patience, max_occupancy=0.9)
        assert many == [required_agents(c, HALF_HOUR, 240, 20, 0.8, patience, 0.9) for c in calls]


def test_paid_counsellors_add_shrinkage() -> None:
    assert paid_counsellors(7, 0.3) == pytest.approx(10)
    assert paid_counsellors(7, 0) == 7
    with pytest.raises(ValueError, match="shrinkage"):
        paid_counsellors(7, 1.0)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"calls": -1}, "calls"),
        ({"calls": math.nan}, "calls"),
        ({"interval_s": 0}, "interval_s"),
        ({"aht_s": -3}, "aht_s"),
        ({"target_s": -1}, "target_s"),
        ({"patience_s": 0}, "patience_s"),
        ({"service_level": 0}, "service_level"),
        ({"service_level": 1.2}, "service_level"),
        ({"max_occupancy": 0}, "max_occupancy"),
    ],
)
def test_bad_input_names_the_field(arguments: dict[str, float], field: str) -> None:
    values: dict[str, float] = {"calls": 10, "interval_s": HALF_HOUR, "aht_s": 180, "target_s": 20}
    values |= {"service_level": 0.8, "patience_s": 60, "max_occupancy": 1.0} | arguments
    with pytest.raises(ValueError, match=f"^{field}: "):
        required_agents(**values)  # type: ignore[arg-type]


def test_a_negative_number_of_counsellors_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^agents: "):
        evaluate(10, HALF_HOUR, 180, 20, -1)


def test_a_patience_beyond_any_caller_s_is_refused_not_summed_for_ever() -> None:
    # 10 Erlang on 5 counsellors, callers patient for 30 years: the line would settle near 2.8·10^7.
    with pytest.raises(ValueError, match=r"^patience_s: .* leave the patience out for Erlang C"):
        evaluate(100, HALF_HOUR, 180, 20, 5, patience_s=1e9)


# --- rules for every load -----------------------------------------------------------------------

loads = st.floats(min_value=0.5, max_value=300.0)
patiences = st.one_of(st.none(), st.floats(min_value=5.0, max_value=3600.0))
targets = st.floats(min_value=0.0, max_value=120.0)


@settings(max_examples=150, deadline=None)
@given(load=loads, patience=patiences, target=targets, extra=st.integers(min_value=0, max_value=40))
@example(load=1.0, patience=5.0, target=5e-324, extra=0)  # θ·t underflowed to 0: log(0) once
def test_more_counsellors_never_serve_worse(load: float, patience: float | None, target: float, extra: int) -> None:
    agents = max(1, math.floor(load) - 5) + extra
    calls = load * HALF_HOUR / 180
    fewer = evaluate(calls, HALF_HOUR, 180, target, agents, patience)
    more = evaluate(calls, HALF_HOUR, 180, target, agents + 1, patience)
    assert more.service_level >= fewer.service_level - 1e-12
    assert more.p_wait <= fewer.p_wait + 1e-12
    assert more.p_abandon <= fewer.p_abandon + 1e-12
    assert more.occupancy <= fewer.occupancy + 1e-12
    for figures in (fewer, more):
        assert 0 <= figures.service_level <= 1 and 0 <= figures.p_wait <= 1
        assert 0 <= figures.p_abandon <= 1 and 0 <= figures.occupancy <= 1
        assert figures.asa_s >= 0


@settings(max_examples=100, deadline=None)
@given(load=loads, patience=patiences, level=st.floats(min_value=0.05, max_value=0.99))
def test_the_answer_is_the_fewest_that_meet_the_target(load: float, patience: float | None, level: float) -> None:
    calls = load * HALF_HOUR / 180
    staffing = required_agents(calls, HALF_HOUR, 180, 20, level, patience, max_occupancy=0.95)
    assert staffing.service_level >= level and staffing.occupancy <= 0.95 + 1e-12
    fewer = evaluate(calls, HALF_HOUR, 180, 20, staffing.agents - 1, patience)
    assert fewer.service_level < level or fewer.occupancy > 0.95 + 1e-12


@settings(max_examples=100, deadline=None)
@given(load=st.floats(min_value=0.5, max_value=100.0), extra=st.integers(min_value=1, max_value=20))
def test_patience_only_runs_out_more_often_when_it_is_shorter(load: float, extra: int) -> None:
    calls, agents = load * HALF_HOUR / 180, math.floor(load) + extra
    short, long = (evaluate(calls, HALF_HOUR, 180, 20, agents, p) for p in (30.0, 600.0))
    assert short.p_abandon >= long.p_abandon
    assert short.asa_s <= long.asa_s + 1e-9  # the impatient leave, who stay wait less
