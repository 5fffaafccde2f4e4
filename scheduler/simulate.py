"""Discrete-event simulation of the multi-skill centre: what a roster really delivers.

Assumptions (documented in docs/staffing.md):

- **Arrivals**: Poisson per queue and interval with the forecast contacts as mean, uniform
  within the interval (a piecewise-constant rate).
- **Handle times**: exponential (the Erlang assumption) or lognormal with a given coefficient
  of variation, mean the forecast AHT of the arrival interval.
- **Patience**: exponential with the queue's mean where one is configured (voice); a caller
  still waiting then hangs up. Chat and email never abandon.
- **Routing**: FIFO per queue; an arriving contact goes to the agent idle longest among those
  the roster has on its queue in that interval; a freed agent takes the oldest waiting contact
  of the queue it is on. Policy "certified" adds one rule: an agent with nothing at all to do
  on its own queue also takes contacts of any other queue it is certified for (its own queue
  first, then the oldest waiting contact of the others; for an arrival, scheduled agents first,
  then idle certified ones). Help goes to calls and chats only: an email backlog is always
  there, and voice agents dipping into it would leave the phones unanswered (tested), so email
  is done by the agents the roster puts on it. Agents on a break, off shift or on back-office
  time take nothing.
- **Chat concurrency**: an agent holds up to k chats of a queue with concurrency k; each chat
  uses 1/k of the agent, a call or an email all of it. Idle agents get chats first, then
  agents with a free slot (the one whose slot freed longest ago).
- **Shift changes**: an agent whose activity ends finishes the contact in hand, then works
  where the roster puts them next. After the last interval the last interval's agents stay
  until their queues are empty (the week's last contacts are answered, not dropped).
- **Email**: done on time when handling *finishes* by the end of its response window (the
  k-th open interval from arrival, as in the requirement); never abandoned.
- **Service level**: answered within the target among all arrivals (abandoned contacts are
  misses), as Erlang A's; ASA is the mean wait of answered calls and chats (an email's wait is
  hours by design and would swamp a client's ASA; its measure is the window).

Each replication is an independent run from an empty centre; estimates are means over
replications with Student-t 95 % confidence intervals.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scheduler.domain import Problem, Roster, ServiceTarget
from scheduler.service_level import QueueForecast, deferred_due_intervals, forecast_from_frame

ROUTING_POLICIES = ("scheduled", "certified")
HANDLE_TIME_DISTRIBUTIONS = ("exponential", "lognormal")
_EPS = 1e-9
# two-sided 95 % Student-t quantiles by degrees of freedom (1..30); beyond, the normal's 1.96
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
METRICS = ("service_level", "asa_seconds", "abandon_share", "abandoned", "arrivals",
           "service_level_of_answered", "service_level_excluding_short_abandons", "occupancy")


@dataclass(frozen=True)
class SimQueue:
    """A queue as the simulator sees it."""

    key: str
    client: str
    channel: str  # voice, chat or email
    answer_seconds: float = 20.0  # voice/chat target; email uses response_intervals
    concurrency: int = 1  # chats one agent holds at once
    patience_seconds: float | None = None  # mean exponential patience; None = never hangs up
    response_intervals: int = 1  # email: open intervals of the response window


@dataclass(frozen=True, eq=False)
class SimModel:
    """Contacts, AHT and who works where, as arrays over queues, agents and intervals.

    `assignment[a, t]` is the index of the queue agent a works in interval t, or -1 (off
    shift, on a break, on back-office time); `skills[a, q]` says whether a is certified for q.
    """

    interval_seconds: float
    queues: tuple[SimQueue, ...]
    contacts: np.ndarray  # (queues, intervals) expected arrivals
    aht_seconds: np.ndarray  # (queues, intervals)
    assignment: np.ndarray  # (agents, intervals)
    skills: np.ndarray  # (agents, queues) bool
    is_open: np.ndarray | None = None  # (queues, intervals); email windows count open ones

    def __post_init__(self) -> None:
        q, n = len(self.queues), self.n_intervals
        if self.contacts.shape != (q, n) or self.aht_seconds.shape != (q, n):
            raise ValueError("contacts and aht_seconds must be (queues, intervals)")
        if self.assignment.ndim != 2 or self.assignment.shape[1] != n:
            raise ValueError("assignment must be (agents, intervals)")
        if self.skills.shape != (self.assignment.shape[0], q):
            raise ValueError("skills must be (agents, queues)")
        if self.assignment.max(initial=-1) >= q or self.assignment.min(initial=-1) < -1:
            raise ValueError("assignment holds an unknown queue index")
        if np.any(self.contacts < 0) or np.any((self.contacts > 0) & ~(self.aht_seconds > 0)):
            raise ValueError("contacts must be non-negative, with a positive AHT where any")

    @property
    def n_intervals(self) -> int:
        """Number of intervals simulated."""
        return int(self.contacts.shape[1])

    @property
    def horizon_seconds(self) -> float:
        """Length of the simulated period."""
        return self.n_intervals * self.interval_seconds


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its 95 % confidence half-width."""

    mean: float
    half_width: float

    @property
    def low(self) -> float:
        """Lower end of the 95 % confidence interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the 95 % confidence interval."""
        return self.mean + self.half_width

    def covers(self, value: float, slack: float = 0.0) -> bool:
        """Whether `value` lies in the interval widened by `slack` each side."""
        return self.low - slack <= value <= self.high + slack


@dataclass(frozen=True)
class ContactLog:
    """Every contact of one replication: queue, arrival, handle time and what happened."""

    queue: np.ndarray
    arrival: np.ndarray
    handle: np.ndarray
    patience: np.ndarray  # inf when the queue has none
    start: np.ndarray  # nan when never answered
    due: np.ndarray  # email: end of the response window (seconds); nan otherwise


@dataclass(frozen=True)
class SimulationReport:
    """Per-queue and per-client estimates, by metric name (see METRICS)."""

    queues: Mapping[str, Mapping[str, Estimate]]
    clients: Mapping[str, Mapping[str, Estimate]]
    replications: int
    wall_seconds: float
    contacts_simulated: int
    totals: list[dict[str, np.ndarray]] = field(repr=False, default_factory=list)

    def frame(self) -> pd.DataFrame:
        """One row per queue or client and metric: level, name, metric, mean, low, high."""
        rows = [
            (level, name, metric, e.mean, e.low, e.high)
            for level, table in (("queue", self.queues), ("client", self.clients))
            for name, metrics in table.items()
            for metric, e in metrics.items()
        ]
        return pd.DataFrame(rows, columns=["level", "name", "metric", "mean", "low", "high"])


def model_from_roster(
    problem: Problem,
    roster: Roster,
    forecast: Mapping[str, QueueForecast] | pd.DataFrame,
    targets: Mapping[str, ServiceTarget],
    *,
    patience_seconds: Mapping[str, float] | None = None,
) -> SimModel:
    """The simulation model of a roster: who works which queue when, and the forecast.

    A voice queue's callers hang up after `patience_seconds[queue]`, else after its target's
    `patience_seconds`; with neither they wait for ever.
    """
    grid = problem.grid
    if isinstance(forecast, pd.DataFrame):
        forecast = forecast_from_frame(forecast, grid)
    patience_seconds = patience_seconds or {}
    index = {q.key: i for i, q in enumerate(problem.queues)}
    n = grid.n_intervals
    queues = tuple(
        SimQueue(
            q.key, q.client, q.channel,
            answer_seconds=float(targets[q.key].answer_seconds),
            concurrency=targets[q.key].concurrency if q.channel == "chat" else 1,
            patience_seconds=(patience_seconds.get(q.key)
                              or targets[q.key].patience_seconds or None)
            if q.channel == "voice" else None,
            response_intervals=max(1, targets[q.key].response_minutes // grid.interval_minutes),
        )
        for q in problem.queues
    )
    contacts = np.zeros((len(queues), n))
    aht = np.zeros((len(queues), n))
    for key, i in index.items():
        if key in forecast:
            contacts[i] = forecast[key].contacts
            aht[i] = forecast[key].aht_seconds
    agent_index = {a.key: i for i, a in enumerate(problem.agents)}
    assignment = np.full((len(problem.agents), n), -1, dtype=np.int64)
    for shift in roster.shifts:
        a = agent_index.get(shift.agent)
        if a is None:
            continue
        for act in shift.activities:
            if act.queue not in index:
                continue
            first = math.ceil((act.start - grid.start_utc) / grid.step)
            end = math.ceil((act.end - grid.start_utc) / grid.step)
            assignment[a, max(first, 0):min(end, n)] = index[act.queue]
    skills = np.array([[q.key in a.skills for q in problem.queues] for a in problem.agents],
                      dtype=bool).reshape(len(problem.agents), len(queues))
    is_open = np.array([problem.is_open[q.key] for q in problem.queues], dtype=bool)
    return SimModel(grid.interval_minutes * 60.0, queues, contacts, aht, assignment, skills,
                    is_open.reshape(len(queues), n))


def simulate(
    model: SimModel,
    *,
    replications: int = 10,
    seed: int = 0,
    policy: str = "scheduled",
    handle_time: str = "exponential",
    handle_cv: float = 1.0,
    warmup_seconds: float = 0.0,
) -> SimulationReport:
    """Independent replications of the model; estimates per queue and client with 95 % CIs.

    `warmup_seconds` leaves contacts arriving earlier out of the statistics (for steady-state
    comparisons); a roster's week is judged from its empty start, so the default is 0.
    """
    if replications < 2:
        raise ValueError("need at least two replications for a confidence interval")
    began = time.perf_counter()
    streams = np.random.SeedSequence(seed).spawn(replications)
    totals, simulated = [], 0
    for stream in streams:
        log = simulate_once(model, np.random.default_rng(stream), policy=policy,
                            handle_time=handle_time, handle_cv=handle_cv)
        simulated += log.arrival.size
        totals.append(queue_totals(model, log, warmup_seconds=warmup_seconds))
    queue_metrics = [_metrics(t) for t in totals]
    clients = sorted({q.client for q in model.queues})
    client_metrics = [
        _metrics(_group(model, t, clients)) for t in totals
    ]
    return SimulationReport(
        queues={q.key: _estimates(queue_metrics, i) for i, q in enumerate(model.queues)},
        clients={c: _estimates(client_metrics, i) for i, c in enumerate(clients)},
        replications=replications,
        wall_seconds=time.perf_counter() - began,
        contacts_simulated=simulated,
        totals=totals,
    )


def simulate_once(
    model: SimModel,
    rng: np.random.Generator,
    *,
    policy: str = "scheduled",
    handle_time: str = "exponential",
    handle_cv: float = 1.0,
) -> ContactLog:
    """One replication from an empty centre: the log of every contact."""
    if policy not in ROUTING_POLICIES:
        raise ValueError(f"routing policy must be one of {ROUTING_POLICIES}, not {policy!r}")
    queue, arrival, handle, patience, due = _arrivals(model, rng, handle_time, handle_cv)
    start = _run(model, policy, queue, arrival, handle, patience)
    return ContactLog(queue, arrival, handle, patience, start, due)


def queue_totals(model: SimModel, log: ContactLog, *, warmup_seconds: float = 0.0):
    """Counts and sums per queue for one replication (arrays indexed by queue)."""
    q = len(model.queues)
    keep = log.arrival >= warmup_seconds
    queue = log.queue[keep]
    answered = ~np.isnan(log.start[keep])
    wait = np.where(answered, log.start[keep] - log.arrival[keep], 0.0)
    target = np.array([s.answer_seconds for s in model.queues])[queue]
    email = np.array([s.channel == "email" for s in model.queues])[queue]
    finish = np.where(answered, log.start[keep] + log.handle[keep], np.inf)
    due = log.due[keep]
    within = answered & np.where(email, finish <= due + _EPS, wait <= target + _EPS)
    within |= email & np.isinf(due)  # due after the period: the next period's to judge
    abandoned = ~answered & np.isfinite(log.patience[keep])
    short = abandoned & (log.patience[keep] <= target)
    # busy time inside [warmup, horizon] of every answered contact, whenever it arrived,
    # weighted by the share of the agent a contact uses
    served = ~np.isnan(log.start)
    cost = np.array([1.0 / s.concurrency for s in model.queues])[log.queue[served]]
    end = np.minimum(log.start[served] + log.handle[served], model.horizon_seconds)
    busy = np.clip(end - np.maximum(log.start[served], warmup_seconds), 0.0, None) * cost
    first = int(math.floor(warmup_seconds / model.interval_seconds))
    scheduled = np.zeros(q)
    for i in range(q):
        per_interval = (model.assignment == i).sum(axis=0).astype(float)
        if first < per_interval.size:
            per_interval[:first] = 0.0
            per_interval[first] *= 1 - (warmup_seconds / model.interval_seconds - first)
        scheduled[i] = per_interval.sum() * model.interval_seconds

    def by_queue(values) -> np.ndarray:
        return np.bincount(queue, weights=np.asarray(values, dtype=float), minlength=q)

    return {
        "arrivals": by_queue(np.ones(queue.size)),
        "answered": by_queue(answered),
        "within": by_queue(within),
        "abandoned": by_queue(abandoned),
        "short_abandoned": by_queue(short),
        "answered_live": by_queue(answered & ~email),  # ASA is for voice and chat only
        "wait_sum": by_queue(np.where(email, 0.0, wait)),
        "busy_seconds": np.bincount(log.queue[served], weights=busy, minlength=q),
        "scheduled_seconds": scheduled,
    }


def _arrivals(model: SimModel, rng: np.random.Generator, handle_time: str, handle_cv: float):
    """Every contact of a replication, sorted by arrival time, with its sampled times."""
    if handle_time not in HANDLE_TIME_DISTRIBUTIONS:
        raise ValueError(f"handle_time must be one of {HANDLE_TIME_DISTRIBUTIONS}")
    counts = rng.poisson(model.contacts)
    flat = counts.ravel()
    cell = np.repeat(np.arange(flat.size), flat)
    queue, interval = np.divmod(cell, model.n_intervals)
    arrival = (interval + rng.random(cell.size)) * model.interval_seconds
    mean = model.aht_seconds.ravel()[cell]
    if handle_time == "exponential":
        handle = mean * rng.standard_exponential(cell.size)
    else:
        sigma2 = math.log1p(handle_cv**2)
        handle = mean * np.exp(rng.normal(-sigma2 / 2, math.sqrt(sigma2), cell.size))
    mean_patience = np.array([q.patience_seconds or np.inf for q in model.queues])[queue]
    patience = np.where(np.isfinite(mean_patience),
                        np.nan_to_num(mean_patience, posinf=0.0) *
                        rng.standard_exponential(cell.size), np.inf)
    due = np.full(cell.size, np.nan)
    is_open = model.is_open if model.is_open is not None else np.ones(model.contacts.shape, bool)
    for i, q in enumerate(model.queues):
        if q.channel != "email":
            continue
        last = deferred_due_intervals(is_open[i], q.response_intervals)
        end = np.where(last < model.n_intervals, (last + 1) * model.interval_seconds, np.inf)
        pick = queue == i
        due[pick] = end[interval[pick]]
    order = np.argsort(arrival, kind="stable")
    return queue[order], arrival[order], handle[order], patience[order], due[order]


def _run(model: SimModel, policy: str, queue_arr, arrival_arr, handle_arr, patience_arr):
    """The event loop: returns each contact's answer time (nan if never answered)."""
    n_agents, n_queues = model.skills.shape
    helping = policy == "certified"
    cost = [1.0 / q.concurrency for q in model.queues]
    chat = [q.concurrency > 1 for q in model.queues]
    live = np.array([q.channel != "email" for q in model.queues], dtype=bool)
    # certified help is for calls and chats: deferred work waits for the agents rostered on it
    skill_queues = [np.flatnonzero(model.skills[a] & live).tolist() for a in range(n_agents)]
    queue_of = queue_arr.tolist()
    arrival_of = arrival_arr.tolist()
    handle_of = handle_arr.tolist()
    give_up_of = (arrival_arr + patience_arr).tolist()
    start_of = [math.nan] * len(queue_of)

    load = [0.0] * n_agents
    assigned = [-1] * n_agents
    idle = [OrderedDict() for _ in range(n_queues)]  # fully idle agents on the queue
    partial = [OrderedDict() for _ in range(n_queues)]  # agents with a free chat slot
    helpers = [OrderedDict() for _ in range(n_queues)]  # idle, certified, on another queue
    waiting = [deque() for _ in range(n_queues)]
    departures: list[tuple[float, int, int]] = []  # (time, agent, contact)
    push, pop = heapq.heappush, heapq.heappop

    def withdraw(a: int) -> None:
        q = assigned[a]
        if q >= 0:
            idle[q].pop(a, None)
            partial[q].pop(a, None)
        if helping:
            for s in skill_queues[a]:
                helpers[s].pop(a, None)

    def next_waiting(q: int, now: float) -> int:
        """Oldest live contact waiting on q, or -1; callers past their patience leave."""
        line = waiting[q]
        while line:
            c = line[0]
            if give_up_of[c] < now:
                line.popleft()  # hung up before anyone was free
                continue
            return c
        return -1

    def begin(a: int, c: int, now: float) -> None:
        start_of[c] = now
        load[a] += cost[queue_of[c]]
        push(departures, (now + handle_of[c], a, c))

    def pull(a: int, now: float) -> None:
        """A freed or reassigned agent takes waiting work, then waits where it may."""
        q = assigned[a]
        if q < 0:
            return
        while load[a] + cost[q] <= 1 + _EPS:
            c = next_waiting(q, now)
            if c < 0:
                break
            waiting[q].popleft()
            begin(a, c, now)
            if not chat[q]:
                break
        if load[a] < _EPS and helping:
            best, best_q = -1, -1
            for s in skill_queues[a]:
                if s != q:
                    c = next_waiting(s, now)
                    if c >= 0 and (best < 0 or arrival_of[c] < arrival_of[best]):
                        best, best_q = c, s
            if best >= 0:
                waiting[best_q].popleft()
                begin(a, best, now)
        if load[a] < _EPS:
            load[a] = 0.0
            idle[q][a] = None
            if helping:
                for s in skill_queues[a]:
                    if s != q:
                        helpers[s][a] = None
        elif chat[q] and load[a] + cost[q] <= 1 + _EPS:
            partial[q][a] = None

    # interval boundaries where some agent's queue changes: (time, [(agent, new queue)])
    changes = []
    previous = np.full(n_agents, -1, dtype=model.assignment.dtype)
    for t in range(model.n_intervals):
        column = model.assignment[:, t]
        moved = np.flatnonzero(column != previous)
        if moved.size:
            changes.append((t * model.interval_seconds,
                            list(zip(moved.tolist(), column[moved].tolist(), strict=True))))
        previous = column
    changes.reverse()  # popped from the end

    n_contacts = len(queue_of)
    i = 0
    inf = math.inf
    next_arrival = arrival_of[0] if n_contacts else inf
    next_change = changes[-1][0] if changes else inf
    while True:
        next_departure = departures[0][0] if departures else inf
        if next_departure <= next_change and next_departure <= next_arrival:
            if next_departure == inf:
                break
            now, a, c = pop(departures)
            q = queue_of[c]
            load[a] -= cost[q]
            if load[a] < _EPS:
                load[a] = 0.0
            withdraw(a)
            pull(a, now)
        elif next_change <= next_arrival:
            now, moves = changes.pop()
            for a, q in moves:
                withdraw(a)
                assigned[a] = q
            for a, _ in moves:
                pull(a, now)
            next_change = changes[-1][0] if changes else inf
        else:
            now = next_arrival
            c = i
            q = queue_of[c]
            i += 1
            next_arrival = arrival_of[i] if i < n_contacts else inf
            if idle[q]:
                a = next(iter(idle[q]))
            elif partial[q]:
                a = next(iter(partial[q]))
            elif helping and helpers[q]:
                a = next(iter(helpers[q]))
            else:
                waiting[q].append(c)
                continue
            withdraw(a)
            begin(a, c, now)
            own = assigned[a]
            if chat[own] and load[a] + cost[own] <= 1 + _EPS:
                partial[own][a] = None
    return np.array(start_of, dtype=float)


def _metrics(t: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Ratios of one replication's totals (nan where the denominator is zero)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "service_level": t["within"] / t["arrivals"],
            "asa_seconds": t["wait_sum"] / t["answered_live"],
            "abandon_share": t["abandoned"] / t["arrivals"],
            "abandoned": t["abandoned"],
            "arrivals": t["arrivals"],
            "service_level_of_answered": t["within"] / t["answered"],
            "service_level_excluding_short_abandons":
                t["within"] / (t["arrivals"] - t["short_abandoned"]),
            "occupancy": t["busy_seconds"] / t["scheduled_seconds"],
        }


def _group(model: SimModel, t: Mapping[str, np.ndarray], clients: list[str]):
    """Totals summed over each client's queues."""
    member = np.array([[q.client == c for q in model.queues] for c in clients], dtype=float)
    return {name: member @ values for name, values in t.items()}


def _estimates(per_replication: list[dict[str, np.ndarray]], i: int) -> dict[str, Estimate]:
    """Mean and 95 % half-width over replications of each metric of one queue or client."""
    result = {}
    for metric in METRICS:
        values = np.array([m[metric][i] for m in per_replication], dtype=float)
        values = values[~np.isnan(values)]
        result[metric] = _estimate(values)
    return result


def _estimate(values: np.ndarray) -> Estimate:
    """Student-t 95 % interval of the mean of independent replications."""
    if values.size == 0:
        return Estimate(math.nan, math.nan)
    if values.size == 1 or not np.all(np.isfinite(values)):
        return Estimate(float(values.mean()), math.inf if values.size > 1 else math.nan)
    df = values.size - 1
    quantile = _T975[df - 1] if df <= len(_T975) else 1.96
    return Estimate(float(values.mean()), quantile * float(values.std(ddof=1)) / math.sqrt(
        values.size))
