"""Staffing by Erlang C (M/M/n) and Erlang A (M/M/n+M): how many counsellors an interval needs.

In queueing terms the counsellors on the phone are the "agents" of the model; the word stays
because `hotline capacity staff --agents` and its JSON speak it.

Every figure is exact (up to floating point) for any load, 10^3 Erlang and beyond: nothing
takes a factorial or a power of the load. Both models start from Erlang B by its recursion
B(k) = A·B(k-1) / (k + A·B(k-1)), whose terms stay in [0, 1].

Erlang C, for n > A (the load in Erlang): C = n·B / (n - A·(1 - B)), the share waiting;
P(wait <= t) = 1 - C·exp(-(n - A)·t / aht); ASA = C·aht / (n - A); occupancy A / n.

Erlang A (Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn, "The M/M/n+G queue:
summary of performance measures", exponential case) is solved here on its birth-death chain,
with rates scaled by the abandonment rate θ = 1/patience, x = n·μ/θ and y = λ/θ:
- With all n busy and m waiting, the chain holds q_m = π_{n+m}/π_n = Π_{i<=m} y/(x+i); the
  states below n are those of Erlang B, so π_n = B / (1 - B + B·Σq). The q_m are summed in
  logarithms, normalised by their largest term (found with lgamma), so an overloaded interval
  whose Σq is e^5000 neither overflows nor loses the small terms.
- An arriving caller (PASTA) who finds m waiting is the k = m+1st in line. FCFS, only those ahead
  matter: with j callers ahead, one of them leaves the line (served or gone) at rate n·μ + j·θ,
  while the caller gives up at rate θ. The time spent on each step is exponential with the sum of
  both rates, whatever the step's outcome, so
    P(served | k)             = Π_{j<k} (x+j)/(x+j+1) = x / (x + k)          (telescoping),
    wait of the served | k    = Σ_{j=1..k} Exp(θ·(x+j)),   mean Σ 1/(θ·(x+j)),
    P(wait <= t | k, served)  = I_p(k, x+1),  p = 1 - exp(-θ·t),
  the regularised incomplete beta function: that sum of exponentials has the Laplace transform
  Π (x+j)/(x+j+s/θ) of -ln(1-U)/θ with U ~ Beta(k, x+1). I_p(k, x+1) is carried from k to k+1 by
  I_p(k+1, b) = I_p(k, b) - p^k·(1-p)^b·Γ(k+b)/(Γ(k+1)·Γ(b)), the subtracted term in logarithms.
- The service level is the share of all arrivals answered within the target: those who find a
  counsellor free plus Σ_k P(finds k-1 waiting)·x/(x+k)·I_p(k, x+1); callers who give up count
  as not answered in time. As patience grows (θ -> 0) every formula tends to Erlang C's.
The sum over the line stops once its terms fall below e^-40 of the largest, past the mode.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

# Terms of the queue below e^-40 (4e-18) of the largest add nothing a double can hold.
_NEGLIGIBLE_LOG = -40.0
# More states than this means a patience far beyond any caller's at this load: refuse, not hang.
_MAX_QUEUE_STATES = 2_000_000


@dataclass(frozen=True, slots=True)
class Staffing:
    """What `agents` counsellors on the phone achieve in an interval.

    `service_level`: share of all arriving callers answered within the target;
    `asa_s`: mean wait of the answered callers (infinite when the line never clears);
    `p_abandon`: share who give up (0 under Erlang C); `occupancy`: share of the counsellors'
    time spent on calls.
    """

    agents: int
    service_level: float
    p_wait: float
    asa_s: float
    p_abandon: float
    occupancy: float


def erlang_b(agents: int, load: float) -> float:
    """Erlang B: the share of callers blocked with `agents` lines and `load` Erlang offered."""
    _check_agents(agents)
    _check_non_negative("load", load)
    blocked = 1.0
    for k in range(1, agents + 1):
        blocked = load * blocked / (k + load * blocked)
    return blocked


def erlang_c(agents: int, load: float) -> float:
    """Erlang C: the share of callers who wait (1 when `agents` cannot carry `load`)."""
    _check_agents(agents)
    _check_non_negative("load", load)
    return _erlang_c(agents, load, erlang_b(agents, load))


def _erlang_c(agents: int, load: float, blocked: float) -> float:
    if load == 0:
        return 0.0
    if agents <= load:
        return 1.0
    return agents * blocked / (agents - load * (1.0 - blocked))


def evaluate(
    calls: float,
    interval_s: float,
    aht_s: float,
    target_s: float,
    agents: int,
    patience_s: float | None = None,
) -> Staffing:
    """The figures of `agents` counsellors for `calls` in `interval_s`: Erlang A with a patience,
    Erlang C without."""
    _check_inputs(calls, interval_s, aht_s, target_s, patience_s)
    _check_agents(agents)
    load = calls * aht_s / interval_s
    return _evaluate(load, calls / interval_s, aht_s, target_s, agents, patience_s, erlang_b(agents, load))


def required_agents(
    calls: float,
    interval_s: float,
    aht_s: float,
    target_s: float,
    service_level: float,
    patience_s: float | None = None,
    max_occupancy: float = 1.0,
) -> Staffing:
    """The fewest counsellors that answer `service_level` of all callers within `target_s` and are
    busy at most `max_occupancy` of the time; no calls need nobody."""
    _check_inputs(calls, interval_s, aht_s, target_s, patience_s)
    _check_share("service_level", service_level)
    _check_share("max_occupancy", max_occupancy)
    return _required(
        float(calls), float(interval_s), float(aht_s), float(target_s), service_level, patience_s, max_occupancy
    )


def required_agents_many(
    calls: Iterable[float],
    interval_s: float,
    aht_s: float,
    target_s: float,
    service_level: float,
    patience_s: float | None = None,
    max_occupancy: float = 1.0,
) -> list[Staffing]:
    """`required_agents` for each interval's calls, in order; a year of intervals repeats few
    loads (closed hours are all zero), so each distinct number of calls is solved once."""
    _check_inputs(0.0, interval_s, aht_s, target_s, patience_s)
    _check_share("service_level", service_level)
    _check_share("max_occupancy", max_occupancy)
    solved: dict[float, Staffing] = {}
    result: list[Staffing] = []
    for count in calls:
        staffing = solved.get(count)
        if staffing is None:
            _check_non_negative("calls", count)
            staffing = _required(
                float(count), float(interval_s), float(aht_s), float(target_s), service_level, patience_s, max_occupancy
            )
            solved[count] = staffing
        result.append(staffing)
    return result


def paid_counsellors(agents: float, shrinkage: float) -> float:
    """Counsellors to pay so that `agents` are on the phone when `shrinkage` of paid time is
    breaks, training and absence (unrounded: sums over intervals give paid hours)."""
    if not (isinstance(shrinkage, int | float) and 0 <= shrinkage < 1):
        raise ValueError(f"shrinkage: must be a share from 0 up to (not including) 1, not {shrinkage!r}")
    _check_non_negative("agents", agents)
    return agents / (1.0 - shrinkage)


# --- the search --------------------------------------------------------------------------------


class _Blocking:
    """Erlang B for one load at every number of counsellors asked so far, grown by the recursion."""

    __slots__ = ("load", "values")

    def __init__(self, load: float) -> None:
        self.load = load
        self.values = [1.0]

    def at(self, agents: int) -> float:
        values, load = self.values, self.load
        blocked = values[-1]
        for k in range(len(values), agents + 1):
            blocked = load * blocked / (k + load * blocked)
            values.append(blocked)
        return values[agents]


@functools.lru_cache(maxsize=65_536)
def _required(
    calls: float,
    interval_s: float,
    aht_s: float,
    target_s: float,
    service_level: float,
    patience_s: float | None,
    max_occupancy: float,
) -> Staffing:
    if calls == 0:
        return Staffing(0, 1.0, 0.0, 0.0, 0.0, 0.0)
    rate = calls / interval_s
    load = calls * aht_s / interval_s  # as `evaluate` has it, to the last bit
    blocking = _Blocking(load)

    def meets(agents: int) -> Staffing | None:
        staffing = _evaluate(load, rate, aht_s, target_s, agents, patience_s, blocking.at(agents))
        # A load of exactly max_occupancy·n meets the cap, whatever the last bit of its division.
        good = staffing.service_level >= service_level and staffing.occupancy <= max_occupancy + 1e-12
        return staffing if good else None

    if patience_s is None:
        # Erlang C needs n > A and n >= A / max_occupancy; past that the service level climbs
        # steeply (the square-root rule puts the answer a few √A above A), so counting up is short.
        agents = max(math.floor(load) + 1, math.ceil(load / max_occupancy - 1e-9))
        while (found := meets(agents)) is None:
            agents += 1
        return found
    # Erlang A: the answer lies near Erlang C's (usually a little below: those who give up make
    # room), so the search starts there and gallops down or up to a bracket, then bisects. Each
    # answered caller takes a counsellor's time, so the share answered in time is at most n / A:
    # below service_level·A nothing meets the target.
    floor = max(1, math.ceil(service_level * load - 1e-9))
    guess = max(floor, _required(calls, interval_s, aht_s, target_s, service_level, None, max_occupancy).agents)
    found = meets(guess)
    step = 1
    if found is not None:  # fails at `low` (or low < floor), holds at `high`
        high, low = guess, guess - 1
        while low >= floor and (candidate := meets(low)) is not None:
            high, found, step = low, candidate, step * 2
            low = high - step
        low = max(low, floor - 1)
    else:
        low, high = guess, guess + 1
        while (found := meets(high)) is None:
            low, step = high, step * 2
            high = low + step
    while high - low > 1:
        middle = (low + high) // 2
        if (candidate := meets(middle)) is not None:
            high, found = middle, candidate
        else:
            low = middle
    return found


# --- the models --------------------------------------------------------------------------------


def _evaluate(
    load: float, rate: float, aht_s: float, target_s: float, agents: int, patience_s: float | None, blocked: float
) -> Staffing:
    if load == 0:
        return Staffing(agents, 1.0, 0.0, 0.0, 0.0, 0.0)
    if patience_s is None:
        return _erlang_c_figures(load, aht_s, target_s, agents, blocked)
    return _erlang_a_figures(load, rate, aht_s, target_s, agents, patience_s, blocked)


def _erlang_c_figures(load: float, aht_s: float, target_s: float, agents: int, blocked: float) -> Staffing:
    if agents <= load:  # the line grows without end: nobody is answered in time on average
        return Staffing(agents, 0.0, 1.0, math.inf, 0.0, 1.0)
    waiting = _erlang_c(agents, load, blocked)
    spare = agents - load
    in_time = 1.0 - waiting * math.exp(-spare * target_s / aht_s)
    return Staffing(agents, in_time, waiting, waiting * aht_s / spare, 0.0, load / agents)


def _erlang_a_figures(
    load: float, rate: float, aht_s: float, target_s: float, agents: int, patience_s: float, blocked: float
) -> Staffing:
    if agents == 0:
        return Staffing(0, 0.0, 1.0, math.inf, 1.0, 1.0)
    if blocked == 0.0:  # far more counsellors than load: Erlang B underflowed, nobody waits
        return Staffing(agents, 1.0, 0.0, 0.0, 0.0, load / agents)
    x = agents * patience_s / aht_s  # n·μ/θ
    y = rate * patience_s  # λ/θ
    log_y = math.log(y)
    mode = max(0, math.floor(y - x))  # the likeliest length of the line when all are busy
    if mode > _MAX_QUEUE_STATES:
        raise _too_patient(patience_s, load)
    peak = mode * log_y - (math.lgamma(x + mode + 1) - math.lgamma(x + 1))  # log q at the mode

    # I_p(k, x+1) for k = 1 and the log of the term that takes it to k = 2.
    exponent = target_s / patience_s  # θ·t
    if exponent > 0:  # a target so small that θ·t underflows is no target at all
        log_p = math.log(-math.expm1(-exponent))
        in_time = -math.expm1(-(x + 1) * exponent)
        log_step = math.log(x + 1) + log_p - (x + 1) * exponent
    else:
        log_p, in_time, log_step = -math.inf, 0.0, -math.inf

    log_q = 0.0
    total = abandon = answered_in_time = waited = 0.0
    harmonic = 0.0  # Σ_{j<=k} 1/(x+j): the mean wait of the kth in line, in units of patience
    m = 0
    while True:
        k = m + 1
        if m:
            log_q += log_y - math.log(x + m)
        weight = math.exp(log_q - peak)
        harmonic += 1.0 / (x + k)
        served = x / (x + k)
        total += weight
        abandon += weight * (1.0 - served)
        waited += weight * served * harmonic
        if in_time > 0.0:
            answered_in_time += weight * served * in_time
            in_time -= math.exp(log_step)
            log_step += math.log((k + x + 1) / (k + 1)) + log_p
        if m >= mode and log_q - peak < _NEGLIGIBLE_LOG:
            break
        m += 1
        if m > _MAX_QUEUE_STATES:
            raise _too_patient(patience_s, load)
    # π_n·q_m = weight / (rest + total), where rest carries the states with a counsellor free.
    log_rest = math.log1p(-blocked) - math.log(blocked) - peak if blocked < 1.0 else -math.inf
    if log_rest > 700.0:  # the queue's share is below e^-680: as good as nobody waits
        return Staffing(agents, 1.0, 0.0, 0.0, 0.0, load / agents)
    rest = math.exp(log_rest)
    scale = rest + total
    p_wait = total / scale
    p_abandon = abandon / scale
    service_level = (1.0 - p_wait) + answered_in_time / scale
    asa = waited * patience_s / scale / (1.0 - p_abandon) if p_abandon < 1.0 else math.inf
    occupancy = min(1.0, load * (1.0 - p_abandon) / agents)
    return Staffing(agents, min(1.0, max(0.0, service_level)), p_wait, asa, p_abandon, occupancy)


def _too_patient(patience_s: float, load: float) -> ValueError:
    return ValueError(
        f"patience_s: {patience_s:g} s is too long for Erlang A at {load:g} Erlang (the line would hold "
        "millions of callers); leave the patience out for Erlang C"
    )


# --- checks ------------------------------------------------------------------------------------


def _check_inputs(calls: float, interval_s: float, aht_s: float, target_s: float, patience_s: float | None) -> None:
    _check_non_negative("calls", calls)
    _check_positive("interval_s", interval_s)
    _check_positive("aht_s", aht_s)
    _check_non_negative("target_s", target_s)
    if patience_s is not None:
        _check_positive("patience_s", patience_s)


def _check_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError(f"agents: must be a whole number of at least 0, not {agents!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_non_negative(name: str, value: float) -> None:
    if not _is_number(value) or value < 0:
        raise ValueError(f"{name}: must be a finite number of at least 0, not {value!r}")


def _check_positive(name: str, value: float) -> None:
    if not _is_number(value) or value <= 0:
        raise ValueError(f"{name}: must be a finite number above 0, not {value!r}")


def _check_share(name: str, value: float) -> None:
    if not _is_number(value) or not 0 < value <= 1:
        raise ValueError(f"{name}: must be a share above 0 and at most 1, not {value!r}")
