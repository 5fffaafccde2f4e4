"""Erlang A (M/M/N+M): voice staffing when callers hang up after an exponential patience.

Model: Poisson arrivals (rate lambda), exponential handle times (mean AHT, rate mu), N agents,
first-come first-served, each waiting caller abandons after an exponential patience (mean
`patience_seconds`, rate theta), steady state within the interval.

How it is computed (no factorials, stable for thousands of agents):

- With all N agents busy and j callers queued, the birth-death chain gives the queue weights
  t_j = prod_{i=1..j} lambda / (N mu + i theta), kept as cumulative sums of logarithms and
  truncated once past their peak and below e^-45 of it. The weight of "someone is free"
  relative to "all busy, nobody queued" is 1/B - 1, B being Erlang B, by the ratio recursion
  r_k = (k / A)(1 + r_{k-1}). P(wait) = S / (r_N + S) with S = sum t_j.
- A caller who finds j queued moves through j + 1 stages (j, ..., 0 callers ahead); at stage k
  the stage ends at rate N mu + (k + 1) theta and the caller is still there with probability
  (a + k) / (a + k + 1), a = N mu / theta. So P(answered | j) = a / (a + j + 1), the expected
  wait is (j + 1) / (theta (a + j + 1)) (hence P(abandon) = theta E[wait], a check), and the
  offered wait (a sum of exponentials with rates theta (a + k)) has 1 - e^-theta W distributed
  Beta(j + 1, a): P(offered wait <= T) = I_u(j + 1, a) with u = 1 - e^-theta T, computed as one
  minus a negative-binomial CDF, a cumulative sum of positive terms.

Service level: `service_level` is **answered within T among all arrivals** (abandoned callers
count as misses, whenever they hung up). It is what a client paying for "80 % within 20 s"
experiences, and the strictest of the usual definitions, so a requirement that meets it meets
the others too. Because hang-ups count against it, a queue whose callers' patience is
not much longer than T, or a target near 100 %, can need *more* agents under Erlang A than
Erlang C, which pretends those callers would have waited (20 calls per 30 min, AHT 180 s,
95 % within 120 s, patience 60 s: Erlang A 5 agents, Erlang C 4). For usual voice targets
(80-90 % within 10-30 s, patience a minute or more) Erlang A needs no more. Also reported:
the level among answered calls and excluding callers who hung up within T (the
ContactCenters library prints both), and the *offered* level, the share whose wait had they
stayed is within T: abandonment only removes callers ahead, so it is never below Erlang C's
and staffing to it would never need more agents than Erlang C. ASA is the mean wait of answered
calls.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from scheduler.domain import ServiceTarget
from scheduler.traffic import TOLERANCE, apply_shrinkage, check_traffic, traffic_erlangs

_CUTOFF = 45.0  # queue weights below e^-45 of the largest are dropped (relative 3e-20)
_FIRST_BLOCK = 512
_MAX_TERMS = 1 << 24  # an overloaded queue with near-infinite patience: use Erlang C instead


class QueueTooLongError(ValueError):
    """The queue's weights reach past `_MAX_TERMS` callers: overload with huge patience."""


@dataclass(frozen=True)
class ErlangAResult:
    """Steady-state performance of an M/M/N+M queue in one interval."""

    agents: int
    traffic_erlangs: float
    wait_probability: float  # an arriving caller finds every agent busy
    abandon_probability: float  # a caller hangs up before being answered
    service_level: float  # answered within T among all arrivals
    service_level_of_answered: float  # answered within T among answered calls
    service_level_excluding_short_abandons: float  # ... among arrivals not hung up within T
    offered_service_level: float  # arrivals whose wait, had they not hung up, is within T
    asa_seconds: float  # mean wait of answered calls (inf when none is answered)
    mean_wait_seconds: float  # mean time in queue over all arrivals, abandoned ones included
    occupancy: float  # share of agents' time busy: A (1 - P(abandon)) / N


def erlang_a(
    contacts: float,
    aht_seconds: float,
    interval_minutes: int,
    agents: int,
    answer_seconds: float,
    patience_seconds: float,
) -> ErlangAResult:
    """Erlang A performance of `agents` agents for one interval's contacts."""
    state = _waiting_state(contacts, aht_seconds, interval_minutes, agents, answer_seconds,
                           patience_seconds)
    if isinstance(state, ErlangAResult):
        return state
    a_erl, a, theta, j, q, p_wait, answered, answered_in_time = state
    offered_late = _offered_wait_exceeds(a, j, theta, answer_seconds)  # P(W_offered > T | j)
    still_waiting = math.exp(-theta * answer_seconds) * offered_late
    short_abandon = float(q @ np.clip(1 - answered_in_time - still_waiting, 0.0, 1.0))
    harmonic = np.cumsum(1.0 / (a + j + 1))  # expected wait of an answered caller, in 1/theta

    p_abandon = p_wait * float(q @ (1 - answered))
    sl = (1 - p_wait) + p_wait * float(q @ answered_in_time)
    answered_share = 1 - p_abandon
    asa = p_wait * float(q @ (answered * harmonic)) / theta / answered_share
    return ErlangAResult(
        agents=int(agents),
        traffic_erlangs=a_erl,
        wait_probability=p_wait,
        abandon_probability=p_abandon,
        service_level=sl,
        service_level_of_answered=sl / answered_share,
        service_level_excluding_short_abandons=sl / (1 - p_wait * short_abandon),
        offered_service_level=(1 - p_wait) + p_wait * float(q @ (1 - offered_late)),
        asa_seconds=asa,
        mean_wait_seconds=p_abandon / theta,
        occupancy=min(1.0, a_erl * answered_share / agents),
    )


def _level_and_occupancy(
    contacts: float, aht_seconds: float, interval_minutes: int, agents: int,
    answer_seconds: float, patience_seconds: float,
) -> tuple[float, float]:
    """Just the service level and occupancy of `erlang_a`, for the requirement search."""
    state = _waiting_state(contacts, aht_seconds, interval_minutes, agents, answer_seconds,
                           patience_seconds)
    if isinstance(state, ErlangAResult):
        return state.service_level, state.occupancy
    a_erl, _, _, _, q, p_wait, answered, answered_in_time = state
    answered_share = 1 - p_wait * float(q @ (1 - answered))
    sl = (1 - p_wait) + p_wait * float(q @ answered_in_time)
    return sl, min(1.0, a_erl * answered_share / agents)


def _waiting_state(contacts, aht_seconds, interval_minutes, agents, answer_seconds,
                   patience_seconds):
    """The queue seen by a caller who waits, or the whole result when nobody can wait.

    Returns (A, N mu / theta, theta, j, P(j queued | waits), P(wait), P(answered | j),
    P(answered within T | j)), or an ErlangAResult for no traffic or no agents.
    """
    if agents < 0 or int(agents) != agents:
        raise ValueError(f"agents must be a non-negative integer, not {agents}")
    if not (answer_seconds >= 0 and math.isfinite(answer_seconds)):
        raise ValueError(f"answer_seconds must be finite and non-negative, not {answer_seconds}")
    if not (patience_seconds > 0 and math.isfinite(patience_seconds)):
        raise ValueError(f"patience_seconds must be positive and finite, not {patience_seconds}")
    agents = int(agents)
    a_erl = traffic_erlangs(contacts, aht_seconds, interval_minutes)
    if a_erl == 0:
        return ErlangAResult(agents, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0)
    if agents == 0:  # nobody answers: every caller waits and hangs up
        return ErlangAResult(0, a_erl, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, math.inf, patience_seconds,
                             math.inf)
    theta = 1.0 / patience_seconds
    a = agents * patience_seconds / aht_seconds  # N mu / theta
    x = a_erl * patience_seconds / aht_seconds  # lambda / theta
    log_t = _queue_log_weights(x, a)
    peak = float(log_t.max())
    weight = np.exp(log_t - peak)
    total = float(weight.sum())
    q = weight / total  # queue length seen by a caller who waits
    free_ratio = _free_ratio(a_erl, agents)  # 1/B - 1
    # P(wait) = S / (r + S) = 1 / (1 + r / S), with r and S = e^peak * total in logs
    log_ratio = math.log(free_ratio) - (peak + math.log(total))
    p_wait = math.exp(-log_ratio) if log_ratio > 700 else 1.0 / (1.0 + math.exp(log_ratio))
    j = np.arange(log_t.size, dtype=float)
    answered = a / (a + j + 1)
    staged_late = _offered_wait_exceeds(a + 1, j, theta, answer_seconds)
    return a_erl, a, theta, j, q, p_wait, answered, answered * (1 - staged_late)


def raw_agents_erlang_a(
    contacts: float,
    aht_seconds: float,
    interval_minutes: int,
    answer_seconds: float,
    service_level_target: float,
    max_occupancy: float,
    patience_seconds: float,
    *,
    start: int | None = None,
) -> int:
    """Smallest N whose Erlang A service level meets the target within the occupancy cap.

    Service level rises with N (tested), so a doubling and bisection search finds the smallest
    N meeting it; from there N grows until the occupancy cap holds as well. With `start` (a
    guess such as the Erlang C requirement, usually within an agent or two) the search steps
    from the guess instead, a few evaluations rather than a dozen; the answer is the same.
    """
    if not 0 < service_level_target < 1:
        raise ValueError(f"service level target must be in (0, 1), not {service_level_target}")
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"max_occupancy must be in (0, 1], not {max_occupancy}")
    if check_traffic(traffic_erlangs(contacts, aht_seconds, interval_minutes)) == 0:
        return 0

    @functools.cache
    def result(n: int) -> tuple[float, float]:  # (service level, occupancy)
        return _level_and_occupancy(contacts, aht_seconds, interval_minutes, n,
                                    answer_seconds, patience_seconds)

    def meets_level(n: int) -> bool:
        try:
            return result(n)[0] >= service_level_target - TOLERANCE
        except QueueTooLongError:  # millions queued on average: no target is met
            return False

    # bracket low < N <= high with meets_level(low) False (0 agents answer nobody) and
    # meets_level(high) True, galloping out from the guess, then bisect
    if start is not None and start >= 1 and meets_level(int(start)):
        high, step = int(start), 1
        low = high - 1
        while low > 0 and meets_level(low):
            high, step = low, step * 2
            low = max(0, high - step)
    else:
        low = int(start) if start is not None and start >= 1 else 0
        step = 1
        high = low + 1
        while not meets_level(high):
            low, step = high, step * 2
            high = low + step
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if meets_level(mid) else (mid, high)
    n = high
    while result(n)[1] > max_occupancy + TOLERANCE:
        n += 1
    return n


def required_agents_erlang_a(
    contacts: float,
    aht_seconds: float,
    interval_minutes: int,
    target: ServiceTarget,
    patience_seconds: float,
) -> int:
    """Agents to schedule for a voice queue with abandonment: exact smallest N, then shrinkage."""
    if contacts <= 0:
        return 0
    raw = raw_agents_erlang_a(contacts, aht_seconds, interval_minutes, target.answer_seconds,
                              target.service_level, target.max_occupancy, patience_seconds)
    return apply_shrinkage(raw, target.shrinkage)


def _free_ratio(traffic: float, agents: int) -> float:
    """1/B(A, N) - 1 by r_k = (k / A)(1 + r_{k-1}), without the cancellation of 1/B - 1."""
    r = 0.0
    for k in range(1, agents + 1):
        r = k / traffic * (1.0 + r)  # overflows to inf for N far above A: P(wait) is then 0
        if r == math.inf:
            break
    return r


def _queue_log_weights(x: float, a: float) -> np.ndarray:
    """log t_j = sum_{i<=j} log(x / (a + i)) for j = 0.. until past the peak and negligible."""
    size = _FIRST_BLOCK
    if x - a > _MAX_TERMS:  # the weights peak beyond reach
        raise QueueTooLongError("queue too long to sum (overload with near-infinite patience); "
                                "use Erlang C")
    while True:
        i = np.arange(1, size, dtype=float)
        log_t = np.concatenate(([0.0], np.cumsum(math.log(x) - np.log(a + i))))
        past_peak = x < a + size - 1
        if past_peak and log_t[-1] < log_t.max() - _CUTOFF:
            return log_t
        if size >= _MAX_TERMS:
            raise QueueTooLongError("queue too long to sum (overload with near-infinite patience); "
                             "use Erlang C")
        size *= 2


def _offered_wait_exceeds(b: float, j: np.ndarray, theta: float, answer_seconds: float):
    """P(sum of Exp(theta (b + k)), k = 0..j, exceeds T) for each j: a negative-binomial CDF.

    1 - e^(-theta W) is Beta(j + 1, b), so P(W > T) = 1 - I_u(j + 1, b) = NB_b(j) with success
    probability u = 1 - e^(-theta T); its terms are summed from logs, all positive.
    """
    if answer_seconds == 0:
        return np.ones_like(j)
    log_u = math.log(-math.expm1(-theta * answer_seconds))
    k = j[1:]
    steps = np.log((k - 1 + b) / k) + log_u
    log_terms = np.concatenate(([-b * theta * answer_seconds], -b * theta * answer_seconds
                                + np.cumsum(steps)))
    return np.minimum(np.cumsum(np.exp(log_terms)), 1.0)
