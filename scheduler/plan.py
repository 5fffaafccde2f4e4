"""A fast, valid start roster for large problems: LP plan, named agents, local search.

1. **Plan**: the aggregated LP (`scheduler.aggregate`, breaks pooled) says how many agents of
   each group should be working in every interval.
2. **Named shifts**: each group's agents, most constrained first, take the shifts the plan
   still wants of their group (its counts per day and shift), then those that fill what
   remains of the group's planned profile, within their own rules (time off, weekly
   contract bounds, daily and weekly rest, consecutive days, the published roster before).
3. **Breaks and activities**: per shift, a small dynamic programme places the meal break and
   chooses the queue of every interval against the real remaining requirement, keeping the
   minimum activity block; repeated passes let later agents' choices correct earlier ones.
4. **Local search** until the time is up: re-plan one agent's week (best response), first
   against the others' queues as they are, then valuing each interval with the chains of
   queue hand-overs it allows (an agent on a covered queue frees a colleague certified for a
   short one; `_State.potentials`), which a min-cost flow over those agents then makes; a
   week is kept only when the exact objective improves and every rule still holds. Spare
   time goes to shake-ups (a short annealing walk over single shifts) each followed by
   those best responses again, keeping the best roster seen. Moves of equal cost are
   decided by the LP plan's coverage per queue and interval (`TIE_WEIGHT`), which arranges
   the whole week at once where single-agent moves see only a flat objective. With two
   cores, a forked copy searches from the same start with another seed (`_search`), and
   the better of the two rosters is kept.

The objective is the CP-SAT model's (understaffing, overstaffing, off-queue), evaluated
exactly through per-queue coverage counts, so the result is a good CP-SAT hint as well as a
roster on its own; `scheduler.validate` checks it like any other.
"""

from __future__ import annotations

import bisect
import math
import multiprocessing
import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from ortools.graph.python import min_cost_flow

from scheduler.aggregate import Group, Plan, group_agents, solve_aggregate
from scheduler.candidates import Candidate
from scheduler.coffee import place_coffee
from scheduler.costs import has_pay, interval_pay
from scheduler.day_mip import replan_day
from scheduler.domain import Activity, Agent, Break, Problem, Roster, Shift
from scheduler.fair_swaps import fair_swaps
from scheduler.fairness import kinds as fairness_kinds
from scheduler.greedy import greedy_roster
from scheduler.objective import soft_penalties
from scheduler.penalties import OFF_QUEUE_WEIGHT

IDLE = -1  # working, on no queue (back-office time)
# Among moves of equal cost, the one bringing coverage closer to the LP plan's wins: the
# plan arranges shifts over the whole week at once, which single-agent moves cannot see (on
# M, an evening agent moving later gains what the noon loses, and only once she has moved
# can a day agent cover that noon). Small enough that a week's tie-breaks (under 100
# intervals) never outweigh one point of the objective, whose weights are whole numbers.
TIE_WEIGHT = 0.004
CHAIN_STEPS = 6  # longest chain of moves valued (queues handed on from agent to agent)
NOT_WORKING = -2  # on the meal break
LOSS = -1e9  # a queue closed in that interval


@dataclass
class _Assigned:
    """One agent's shift on one day: the candidate, its break and the queue per interval."""

    candidate: Candidate
    break_start: int | None
    queues: list[int]  # per interval of the shift: queue index, IDLE or NOT_WORKING


@dataclass
class _Agent:
    """An agent's fixed facts, precomputed for quick rule checks."""

    agent: Agent
    group: int
    skills: np.ndarray  # queue indices
    by_day: dict[int, tuple[Candidate, ...]]
    rest_intervals: float  # daily rest, in intervals (may be fractional)
    weekly_rest_intervals: float
    fixed_end: float | None  # end of the last published shift before the period, intervals
    fixed_before_day0: float | None  # end of the published shift on the day before day 0
    fixed_days: frozenset[int]  # day offsets (negative) worked just before the period
    weeks: list[tuple[list[int], int, int]]  # (days, min paid, max paid)
    pay: np.ndarray  # cost of working each interval (scheduler.costs)
    least: int  # minimum activity block after a switch of client, in intervals
    client_of: list[int]  # per skill (local queue index), the client's index
    shifts: dict[int, _Assigned] = field(default_factory=dict)


class _State:
    """Coverage per queue and interval, and every agent's assigned shifts."""

    def __init__(self, problem: Problem, groups: list[Group]) -> None:
        self.problem = problem
        grid = problem.grid
        self.queue_keys = [q.key for q in problem.queues]
        index = {k: i for i, k in enumerate(self.queue_keys)}
        self.required = np.array([problem.requirement[k] for k in self.queue_keys], dtype=np.int64)
        self.open = np.array([problem.is_open[k] for k in self.queue_keys], dtype=bool)
        self.short_weight = np.array([q.shortfall_weight for q in problem.queues], dtype=float)
        self.over_weight = np.array([q.overstaffing_weight for q in problem.queues], dtype=float)
        self.coverage = np.zeros_like(self.required)
        self.target: np.ndarray | None = None  # the LP plan's coverage, breaking ties
        n_q = len(self.queue_keys)
        # [interval, queue worked, skill]: agents on that queue then who could also serve the
        # skill's queue; a chain of such moves is what one more agent is really worth
        self.on = np.zeros((grid.n_intervals, n_q, n_q), dtype=np.int32)
        # `potentials` per interval, and which intervals' counts changed since (every change
        # of `coverage` or `on` must mark its intervals here)
        self._stale = np.ones(grid.n_intervals, dtype=bool)
        self._direct = np.zeros((grid.n_intervals, n_q))
        self._pi = np.zeros((grid.n_intervals, n_q))
        self._adj = np.zeros((grid.n_intervals, n_q, n_q), dtype=bool)
        self.day_start = [grid.day_range(d).start for d in range(grid.days)] + [grid.n_intervals]
        step = grid.interval_minutes
        self.agents: list[_Agent] = []
        weeks = list(problem.weeks().values())
        clients = sorted({q.client for q in problem.queues})
        for g, group in enumerate(groups):
            for agent in group.agents:
                fixed = problem.fixed_before.get(agent.key, ())
                last = max((s.end for s in fixed), default=None)
                eve = grid.day_list[0] - timedelta(days=1)
                day0 = [(s.end - grid.start_utc) / grid.step for s in fixed if s.day == eve]
                self.agents.append(_Agent(
                    agent=agent, group=g,
                    skills=np.array(sorted(index[k] for k in agent.skills), dtype=np.int64),
                    by_day={d: cs for d, cs in group.candidates.items()
                            if grid.day_list[d] not in agent.time_off},
                    rest_intervals=agent.contract.min_daily_rest_minutes / step,
                    weekly_rest_intervals=math.ceil(
                        agent.contract.min_weekly_rest_minutes / step),
                    fixed_end=None if last is None else (last - grid.start_utc) / grid.step,
                    fixed_before_day0=(max(day0, default=0.0)
                                       if agent.key in problem.fixed_before else None),
                    fixed_days=frozenset((s.day - grid.day_list[0]).days for s in fixed),
                    weeks=[(days, *problem.week_bounds(agent, days)) for days in weeks],
                    pay=np.array(interval_pay(problem, agent), dtype=float),
                    least=math.ceil(agent.shift_rule.min_activity_minutes / step),
                    client_of=[clients.index(problem.queues[q].client)
                               for q in sorted(index[k] for k in agent.skills)],
                ))

    # ------------------------------------------------------------ objective

    def marginal(self, skills: np.ndarray) -> np.ndarray:
        """Per skill queue and interval, the objective saved by one more agent there."""
        gain = np.where(self.coverage[skills] < self.required[skills],
                        self.short_weight[skills, None], -self.over_weight[skills, None])
        if self.target is not None:  # ties broken towards the LP plan's coverage
            c, goal = self.coverage[skills], self.target[skills]
            gain = gain - TIE_WEIGHT * (np.abs(c + 1 - goal) - np.abs(c - goal))
        return np.where(self.open[skills], gain, LOSS)

    def objective(self) -> float:
        """Understaffing + overstaffing + off-queue of the current roster."""
        short = np.maximum(self.required - self.coverage, 0)
        over = np.maximum(self.coverage - self.required, 0)
        idle = sum(s.queues.count(IDLE) for a in self.agents for s in a.shifts.values())
        return float(short.sum(axis=1) @ self.short_weight + over.sum(axis=1) @ self.over_weight
                     + OFF_QUEUE_WEIGHT * idle + self.pay_total())

    def pay_total(self) -> int:
        """Pay for every assigned shift (the `shift_cost` term)."""
        return int(sum(_pay_of(a, x) for a in self.agents for x in a.shifts.values()))

    def parts(self) -> dict[str, int]:
        """The objective by named penalty."""
        short = np.maximum(self.required - self.coverage, 0)
        over = np.maximum(self.coverage - self.required, 0)
        idle = sum(s.queues.count(IDLE) for a in self.agents for s in a.shifts.values())
        parts = {"understaffing": int(short.sum(axis=1) @ self.short_weight),
                 "overstaffing": int(over.sum(axis=1) @ self.over_weight),
                 "off_queue": OFF_QUEUE_WEIGHT * idle}
        if has_pay(self.problem):
            parts["shift_cost"] = self.pay_total()
        return parts

    def apply(self, a: _Agent, assigned: _Assigned, sign: int) -> None:
        """Add (+1) or remove (-1) one shift's activities from the coverage counts."""
        c = assigned.candidate
        ks = [k for k, q in enumerate(assigned.queues) if q >= 0]
        if not ks:
            return
        ts = c.start + np.array(ks)
        qs = a.skills[np.array([assigned.queues[k] for k in ks])]
        self.coverage[qs, ts] += sign
        self.on[ts[:, None], qs[:, None], a.skills[None, :]] += sign
        self._stale[ts] = True

    def counts_changed(self, ts) -> None:
        """Mark intervals whose `coverage` or `on` counts were changed outside `apply` (their
        `potentials` are recomputed when next asked for)."""
        self._stale[ts] = True

    def recount(self) -> None:
        """Coverage and the chain counts from every assigned shift."""
        self.coverage[:] = 0
        self.on[:] = 0
        self._stale[:] = True
        for a in self.agents:
            for x in a.shifts.values():
                self.apply(a, x, +1)

    def potentials(self, first: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(direct gain, chain value, who-can-move) per interval of [first, end) and queue.

        The direct gain is `marginal`'s; the chain value is the best direct gain among the
        queues reachable by handing on: an agent on queue q who is certified for q2 moves to
        it, so one more agent on q is worth what q2 gains, and so on. Each interval's values
        depend on its own counts only, so they are kept and recomputed only for intervals
        whose counts changed since (`_stale`; a best response changes a few shifts' worth).
        """
        rows = first + np.flatnonzero(self._stale[first:end])
        if rows.size:
            cov, req = self.coverage[:, rows], self.required[:, rows]
            direct = np.where(cov < req, self.short_weight[:, None], -self.over_weight[:, None])
            direct = np.where(self.open[:, rows], direct, LOSS).T  # [interval, queue]
            adj = self.on[rows] > 0
            n_q = adj.shape[1]
            adj[:, np.arange(n_q), np.arange(n_q)] = False
            pi = direct
            for _ in range(CHAIN_STEPS):
                better = np.maximum(pi, np.where(adj, pi[:, None, :], LOSS).max(axis=2))
                if np.array_equal(better, pi):
                    break
                pi = better
            self._direct[rows], self._pi[rows], self._adj[rows] = direct, pi, adj
            self._stale[rows] = False
        return (self._direct[first:end].copy(), self._pi[first:end].copy(),
                self._adj[first:end].copy())

    def chain_marginal(self, skills: np.ndarray, first: int, end: int) -> np.ndarray:
        """`marginal`, but in intervals [first, end) one more agent on a queue is worth its
        chain value (`potentials`); `_hand_on` then makes the chain happen."""
        gain = self.marginal(skills)
        if end > first:
            _, pi, _ = self.potentials(first, end)
            gain[:, first:end] = np.where(self.open[skills, first:end], pi.T[skills], LOSS)
        return gain

    # ------------------------------------------------------------ rules of one agent

    def week_ok(self, a: _Agent, shifts: dict[int, Candidate]) -> bool:
        """Whether the agent's shifts keep every rule that spans days (as `scheduler.rules`)."""
        days = sorted(shifts)
        if a.fixed_end is not None and days and shifts[days[0]].start - a.fixed_end < \
                a.rest_intervals:
            return False
        for d, e in zip(days, days[1:], strict=False):
            if shifts[e].start - shifts[d].end < a.rest_intervals:
                return False
        for week, low, high in a.weeks:
            paid = sum(shifts[d].paid_minutes for d in week if d in shifts)
            if not low <= paid <= high:
                return False
        limit = a.agent.contract.max_consecutive_days
        run = 0
        for d in range(-limit - 1, self.problem.grid.days):
            run = run + 1 if (d in shifts or d in a.fixed_days) else 0
            if run > limit:
                return False
        return self._weekly_rest(a, shifts)

    def week_partial_ok(self, a: _Agent, shifts: dict[int, Candidate]) -> bool:
        """`week_ok` without the weekly minimum, for a week still being filled."""
        saved = a.weeks
        a.weeks = [(w, 0, high) for w, _, high in saved]
        try:
            return self.week_ok(a, shifts)
        finally:
            a.weeks = saved

    def _weekly_rest(self, a: _Agent, shifts: dict[int, Candidate]) -> bool:
        """Each whole ISO week has a day off with the weekly rest around it (as the model)."""
        need = a.weekly_rest_intervals
        if need <= 0:
            return True
        n_days = self.problem.grid.days
        for week, _, _ in a.weeks:
            if len(week) < 7:
                continue
            if not any(self._rest_around(a, shifts, d, n_days) >= need
                       for d in week if d not in shifts):
                return False
        return True

    def _rest_around(self, a: _Agent, shifts: dict[int, Candidate], d: int, n_days: int):
        """Rest around day off d, measured as the weekly_rest rule does."""
        if d + 1 >= n_days:
            return math.inf
        if d > 0:
            before = shifts[d - 1].end if d - 1 in shifts else self.day_start[d]
        elif a.fixed_before_day0 is None:
            return math.inf
        else:
            before = a.fixed_before_day0
        after = shifts[d + 1].start if d + 1 in shifts else self.day_start[min(d + 2, n_days)]
        return after - before

    # ------------------------------------------------------------ one shift's activities

    def best_activities(self, a: _Agent, c: Candidate, gain: np.ndarray
                        ) -> tuple[float, int | None, list[int]]:
        """Best break start and queue per interval for candidate c, with its value (pay
        for the shift counted against it)."""
        span = gain[:, c.start:c.end]
        starts = c.break_starts if c.needs_break else (None,)
        best = (-math.inf, None, [])
        best_gain = span.max(axis=0) if c.coffee_windows else None  # coffee: fine grids
        for s in starts:
            resting = set() if s is None else set(range(s - c.start, s - c.start +
                                                           c.break_intervals))
            if best_gain is not None:
                resting |= _coffee_offsets(c, s, best_gain)
            value, queues = _sequence(span, resting, a.least, a.client_of)
            value -= _pay_of(a, _Assigned(c, s, queues))
            if value > best[0]:
                best = (value, s, queues)
        return best

    def quick_values(self, a: _Agent, candidates: tuple[Candidate, ...], gain: np.ndarray
                     ) -> np.ndarray:
        """Each candidate's value with the best break and the best queue per interval."""
        per_interval = np.maximum(gain.max(axis=0), -OFF_QUEUE_WEIGHT) - a.pay
        prefix = np.concatenate(([0.0], np.cumsum(per_interval)))
        values = np.empty(len(candidates))
        for i, c in enumerate(candidates):
            value = prefix[c.end] - prefix[c.start]
            if c.needs_break:
                value -= min(prefix[s + c.break_intervals] - prefix[s] for s in c.break_starts)
            values[i] = value
        return values


def _sequence(span: np.ndarray, resting: set[int], least: int, client_of: list[int]
              ) -> tuple[float, list[int]]:
    """Best queue per interval of a shift (rows of span are the agent's queues), keeping the
    minimum activity block after a switch of client; resting intervals are the meal break."""
    n_q, n_t = span.shape
    best_q = np.argmax(span, axis=0)
    useful = span[best_q, np.arange(n_t)] > -OFF_QUEUE_WEIGHT
    greedy = [NOT_WORKING if k in resting else int(q) if ok else IDLE
              for k, (q, ok) in enumerate(zip(best_q.tolist(), useful.tolist(), strict=True))]
    if len(set(client_of)) == 1 or least <= 1 or _blocks_ok(greedy, least, client_of):
        return _value(span, greedy), greedy
    return _dp(span, resting, least, client_of)


def _value(span: np.ndarray, queues: list[int]) -> float:
    """The value of a queue sequence."""
    total = 0.0
    for k, q in enumerate(queues):
        if q >= 0:
            total += span[q, k]
        elif q == IDLE:
            total -= OFF_QUEUE_WEIGHT
    return total


def _blocks_ok(queues: list[int], least: int, client_of: list[int]) -> bool:
    """Whether both blocks around every direct switch of client last `least` intervals."""
    blocks: list[list[int]] = []  # [client or IDLE/NOT_WORKING, length]
    for q in queues:
        c = client_of[q] if q >= 0 else q - 10  # below any client index, and distinct
        if blocks and blocks[-1][0] == c:
            blocks[-1][1] += 1
        else:
            blocks.append([c, 1])
    for (q1, n1), (q2, n2) in zip(blocks, blocks[1:], strict=False):
        if q1 >= 0 and q2 >= 0 and (n1 < least or n2 < least):
            return False
    return True


def _dp(span: np.ndarray, resting: set[int], least: int, client_of: list[int]
        ) -> tuple[float, list[int]]:
    """Dynamic programme over (queue, client block length so far, block began with a switch
    of client)."""
    n_q, n_t = span.shape
    # state: (q, r, switched) with q = IDLE for back office / break, r capped at `least`
    best: dict[tuple[int, int, bool], tuple[float, list[int]]] = {(IDLE, 0, False): (0.0, [])}
    for k in range(n_t):
        nxt: dict[tuple[int, int, bool], tuple[float, list[int]]] = {}

        def offer(state, value, path, nxt=nxt):
            if state not in nxt or value > nxt[state][0]:
                nxt[state] = (value, path)

        for (q, r, switched), (value, path) in best.items():
            may_stop = q == IDLE or not switched or r >= least
            if k in resting:
                if may_stop:
                    offer((IDLE, 0, False), value, path + [NOT_WORKING])
                continue
            if may_stop:
                offer((IDLE, 0, False), value - OFF_QUEUE_WEIGHT, path + [IDLE])
            for p in range(n_q):
                gain = span[p, k]
                if gain <= LOSS / 2:
                    continue
                if q != IDLE and client_of[p] == client_of[q]:
                    offer((p, min(r + 1, least), switched), value + gain, path + [p])
                elif q == IDLE:
                    offer((p, 1, False), value + gain, path + [p])
                elif r >= least:
                    offer((p, 1, True), value + gain, path + [p])
        best = nxt
    final = [(v, path) for (q, r, sw), (v, path) in best.items()
             if q == IDLE or not sw or r >= least]
    value, path = max(final, key=lambda item: item[0])
    return value, path


# ---------------------------------------------------------------- building the roster


Progress = Callable[[float, float, float], None]  # (seconds, objective, bound), as solve's


def plan_roster(
    problem: Problem, *, time_limit_seconds: float = 30, seed: int = 7,
    plan: Plan | None = None, progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> tuple[Roster, dict[str, int]]:
    """A valid roster from the LP plan and local search, with its objective by penalty.

    `progress` hears the objective after each stage and every few seconds of search; `stop`
    is polled a few times a second, and once it returns True the search ends with the best
    roster so far.
    """
    with _StopFlag(stop) as stopped:
        return _plan_roster(problem, time_limit_seconds, seed, plan, progress, stopped)


class _StopFlag:
    """An event set once `stop()` returns True, polled by a thread while planning runs."""

    POLL_SECONDS = 0.25

    def __init__(self, stop: Callable[[], bool] | None) -> None:
        self._stop = stop
        self.flag = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> threading.Event:
        if self._stop is not None:
            self._thread = threading.Thread(target=self._watch, daemon=True, name="plan-stop")
            self._thread.start()
        return self.flag

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        """Poll until planning ends or a stop is asked for."""
        while not self._done.wait(self.POLL_SECONDS):
            if self._stop():
                self.flag.set()
                return


def _plan_roster(
    problem: Problem, time_limit_seconds: float, seed: int, plan: Plan | None,
    progress: Progress | None, stopped: threading.Event,
) -> tuple[Roster, dict[str, int]]:
    """plan_roster's work; the search also ends when `stopped` is set."""
    began = time.monotonic()

    def report(state: _State) -> None:
        if progress is not None:
            progress(time.monotonic() - began, state.objective(), 0.0)

    if plan is None:
        solved = solve_aggregate(problem, patterns=False, exact=False,
                                 time_limit_seconds=max(1.0, 0.5 * time_limit_seconds))
        plan = solved.plan
    groups = plan.groups if plan is not None else group_agents(problem)
    state = _State(problem, groups)
    if plan is not None:
        state.target = _planned_coverage(state, plan)
    # the plan's own shifts per group and day, as named agents' weeks: a worse start than
    # weeks fitted to each skill set's planned working profile (M: 106k against 91k), but
    # the search ends lower from it (M at 55 s: 64.2k/64.0k against 65.8k/65.0k, seeds 1/2;
    # S the same within noise)
    _named_shifts(state, plan)
    _activities(state, passes=1)
    _flow_activities(state)
    _repair_blocks(state)
    if len(problem.agents) <= GREEDY_COMPARE_MAX_AGENTS:
        # with few agents per group the plan's fractions are hard to match, and the greedy
        # roster can be the better start: take whichever is better
        other = _State(problem, groups)
        _load(other, greedy_roster(problem))
        if other.objective() < state.objective():
            state = other
    report(state)
    reserve = FAIR_SWAP_SHARE * time_limit_seconds if fairness_kinds(problem) else 0.0
    _search(state, began + time_limit_seconds - reserve, seed, report, stopped)
    report(state)
    # coffee breaks are chosen with each shift's queues; a shift left without (no room
    # beside its meal break) gets them here; the parts are counted from the finished roster
    roster = place_coffee(problem, _roster(state))
    # then weekends, evenings and nights spread by day trades between look-alike agents,
    # which change nothing else (the search above does not weigh fairness)
    members = [[a.key for a in g.agents] for g in groups]
    roster = fair_swaps(problem, roster, members,
                        deadline=max(began + time_limit_seconds, time.monotonic() + 0.5))
    return roster, soft_penalties(problem, roster)


def _search(state: _State, deadline: float, seed: int, report: Callable[[_State], None],
            stopped: threading.Event) -> None:
    """Local search and the final queues until the deadline, on both cores when two are
    free: a forked copy of the state searches with another seed, and the better roster of
    the two is kept. (The search is single-threaded Python, so the second core is idle
    otherwise; searches from one start with different orders end in different optima,
    about 3 % apart on M.)"""
    if len(state.agents) < PARALLEL_MIN_AGENTS or _free_cores() < 2 \
            or "fork" not in multiprocessing.get_all_start_methods():
        _local_search(state, deadline, random.Random(seed), report, stopped)
        _final_queues(state)
        return
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_search_copy, args=(state, deadline, seed + 1, send),
                            daemon=True, name="plan-search")
    child.start()
    send.close()
    try:
        _local_search(state, deadline, random.Random(seed), report, stopped)
        _final_queues(state)
        other = None
        if not stopped.is_set() and receive.poll(
                max(0.0, deadline - time.monotonic()) + CHILD_GRACE_SECONDS):
            try:
                other = receive.recv()
            except EOFError:  # the copy died: this search's roster stands
                other = None
    finally:
        receive.close()
        child.join(timeout=0.5)
        if child.is_alive():
            child.terminate()
            child.join()
    if other is not None and other[0] < state.objective() + _switches(state) - 1e-9:
        _restore(state, other[1])


PARALLEL_MIN_AGENTS = 30  # below, the search takes a second or two anyway
CHILD_GRACE_SECONDS = 5.0  # the copy's final queues may end a little after the deadline


def _free_cores() -> int:
    """Cores this process may run on that the machine's load leaves to it (this process
    counted as one): a copy searching on a core that is busy anyway only slows both."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    others = max(0, round(os.getloadavg()[0]) - 1) if hasattr(os, "getloadavg") else 0
    return max(1, usable - others)


def _search_copy(state: _State, deadline: float, seed: int, send) -> None:
    """In the forked process: search, then send (objective, every agent's shifts)."""
    _local_search(state, deadline, random.Random(seed), lambda _state: None, threading.Event())
    _final_queues(state)
    send.send((state.objective() + _switches(state), _snapshot(state)))
    send.close()


def _planned_coverage(state: _State, plan: Plan) -> np.ndarray:
    """The LP plan's agents per queue and interval (fractional), in the state's layout."""
    index = {k: i for i, k in enumerate(state.queue_keys)}
    target = np.zeros(state.required.shape)
    for (_, q, t), value in plan.activity.items():
        target[index[q], t] += value
    return target


def _switches(state: _State) -> int:
    """Weighted direct switches of queue inside shifts (the `block_switches` term)."""
    total = 0
    for a in state.agents:
        weight = a.agent.shift_rule.switch_weight
        if not weight or len(a.skills) < 2:
            continue
        for x in a.shifts.values():
            total += weight * sum(1 for p, q in zip(x.queues, x.queues[1:], strict=False)
                                  if p >= 0 and q >= 0 and p != q)
    return total


def _final_queues(state: _State) -> None:
    """Every shift's queues re-planned jointly once more, weighing block switches too; the
    better of the two plans is kept."""
    before = state.objective() + _switches(state)
    saved = _snapshot(state)
    _flow_activities(state)
    _repair_blocks(state)
    if state.objective() + _switches(state) > before:
        _restore(state, saved)


FAIR_SWAP_SHARE = 0.05  # of the time limit, kept for the fairness trades when they apply


GREEDY_COMPARE_MAX_AGENTS = 100  # the greedy start takes about 7 s for 70 agents


def _load(state: _State, roster: Roster) -> None:
    """Take a roster's shifts, breaks and activities into the state (shifts that are no
    candidate of their agent are left out)."""
    grid = state.problem.grid
    by_key = {a.agent.key: a for a in state.agents}
    for shift in roster.shifts:
        a = by_key.get(shift.agent)
        if a is None or shift.day not in grid.day_list:
            continue
        d = grid.day_list.index(shift.day)
        start, end = grid.index_of(shift.start), grid.index_of(shift.end)
        c = next((x for x in a.by_day.get(d, ()) if (x.start, x.end) == (start, end)), None)
        if c is None:
            continue
        queues = [IDLE] * (end - start)
        meals = [b for b in shift.breaks if b.kind != "coffee"]
        s = grid.index_of(meals[0].start) if meals else None
        for b in shift.breaks:
            for t in range(grid.index_of(b.start), grid.index_of(b.end)):
                queues[t - start] = NOT_WORKING
        local = {state.queue_keys[q]: i for i, q in enumerate(a.skills)}
        for act in shift.activities:
            for t in range(grid.index_of(act.start), grid.index_of(act.end)):
                queues[t - start] = local[act.queue]
        a.shifts[d] = _Assigned(c, s, queues)
        state.apply(a, a.shifts[d], +1)


def _named_shifts(state: _State, plan: Plan | None) -> None:
    """Each agent's shifts: the plan's shifts of their group that remain, most first."""
    n = state.problem.grid.n_intervals
    profiles: dict[int, np.ndarray] = {}
    counts: dict[int, dict[tuple[int, int], float]] = {}
    if plan is not None:
        for (g, t), value in plan.working.items():
            profiles.setdefault(g, np.zeros(n))[t] = value
        for (g, d, i), value in plan.shifts.items():
            if value > 1e-6:
                counts.setdefault(g, {})[d, i] = value
    for a in sorted(state.agents, key=lambda a: (-len(a.agent.time_off), a.agent.key)):
        if a.group not in profiles:  # no plan: the requirement of the group's queues, roughly
            profiles[a.group] = state.required[a.skills].sum(axis=0).astype(float)
        remaining, wanted = profiles[a.group], counts.setdefault(a.group, {})
        chosen = _choose_week(state, a, remaining, wanted)
        for d, c in chosen.items():
            a.shifts[d] = _Assigned(c, None, [])
            remaining[c.start:c.end] -= 1
            i = a.by_day[d].index(c)
            wanted[d, i] = wanted.get((d, i), 0.0) - 1


def _choose_week(state: _State, a: _Agent, remaining: np.ndarray,
                 wanted: dict[tuple[int, int], float]) -> dict[int, Candidate]:
    """Shifts for one agent, best-valued first, while they add value or the minimum needs.

    A shift's value is how much of it the plan still wants (at most one agent), then how
    much of the group's planned working profile it fills.
    """
    value_t = np.where(remaining >= 1, 1.0, np.where(remaining > 0, remaining, -0.5))
    prefix = np.concatenate(([0.0], np.cumsum(value_t)))
    options = []
    for d, cs in a.by_day.items():
        for i, c in enumerate(cs):
            fill = (prefix[c.end] - prefix[c.start]) / max(1, c.end - c.start)
            value = min(1.0, wanted.get((d, i), 0.0)) + 0.1 * fill
            options.append((value, c.paid_minutes, d, c))
    options.sort(key=lambda o: (-o[0], -o[1]))
    chosen: dict[int, Candidate] = {}
    while True:
        needs_more = not _minimum_met(a, chosen)
        picked = None
        for value, _, d, c in options:
            if d in chosen or (value <= 0 and not needs_more):
                continue
            trial = {**chosen, d: c}
            if state.week_partial_ok(a, trial):
                picked = (d, c)
                break
        if picked is None:
            break
        chosen[picked[0]] = picked[1]
    if not state.week_ok(a, chosen):
        chosen = _repair_minimum(state, a, chosen)
    return chosen


def _minimum_met(a: _Agent, chosen: dict[int, Candidate]) -> bool:
    """Whether every week's contract minimum is reached."""
    return all(sum(chosen[d].paid_minutes for d in week if d in chosen) >= low
               for week, low, _ in a.weeks)


def _repair_minimum(state: _State, a: _Agent, chosen: dict[int, Candidate]
                    ) -> dict[int, Candidate]:
    """Lengthen or add shifts until the weekly minimum holds (longest shifts first)."""
    for _ in range(3 * len(a.by_day)):
        if state.week_ok(a, chosen):
            return chosen
        best = None
        for d, cs in a.by_day.items():
            for c in sorted(cs, key=lambda c: -c.paid_minutes):
                if d in chosen and chosen[d].paid_minutes >= c.paid_minutes:
                    continue
                trial = {**chosen, d: c}
                if state.week_partial_ok(a, trial):
                    gain = c.paid_minutes - (chosen[d].paid_minutes if d in chosen else 0)
                    if best is None or gain > best[0]:
                        best = (gain, d, c)
                    break
        if best is None:
            break
        chosen = {**chosen, best[1]: best[2]}
    return chosen


def _activities(state: _State, passes: int) -> None:
    """Breaks and queues for every shift, re-optimised agent by agent against the others."""
    order = sorted(state.agents, key=lambda a: (len(a.skills), a.agent.key))
    for _ in range(passes):
        for a in order:
            for d, assigned in a.shifts.items():
                if assigned.queues:
                    state.apply(a, assigned, -1)
                gain = state.marginal(a.skills)
                _, s, queues = state.best_activities(a, assigned.candidate, gain)
                a.shifts[d] = _Assigned(assigned.candidate, s, queues)
                state.apply(a, a.shifts[d], +1)


def _flow_activities(state: _State) -> None:
    """Queues for every working interval, all agents at once: a min-cost flow per interval.

    Going forward in time, each interval is a transportation problem from the agents working
    then to their open queues, priced as the objective (a missing agent costs the queue's
    shortfall weight, a surplus one its overstaffing weight, an idle one the off-queue
    weight) plus a small price for changing queue. The minimum activity block is kept as the
    flow goes: an agent whose block is still short stays on its queue (or, if the block did
    not begin with a switch, may go idle), and an agent switches only onto a queue it can
    then keep for the whole minimum block.
    """
    working: dict[int, list[tuple[_Agent, _Assigned, int]]] = defaultdict(list)
    for a in state.agents:
        for assigned in a.shifts.values():
            c = assigned.candidate
            for k, q in enumerate(assigned.queues):
                if q != NOT_WORKING:
                    working[c.start + k].append((a, assigned, k))
    state.coverage[:] = 0
    for t in sorted(working):
        people = working[t]
        options = [_allowed(state, a, assigned, k) for a, assigned, k in people]
        chosen = _interval_flow(state, t, people, options)
        for (a, assigned, k), q in zip(people, chosen, strict=True):
            assigned.queues[k] = q
            if q >= 0:
                state.coverage[a.skills[q], t] += 1
    state.recount()


def _block_so_far(queues: list[int], k: int, client_of: list[int]) -> tuple[int, bool]:
    """Length of the client block ending at k - 1 and whether it began with a direct switch
    of client."""
    q = queues[k - 1] if k > 0 else IDLE
    if q < 0:
        return 0, False
    first = k - 1
    while first > 0 and queues[first - 1] >= 0 and client_of[queues[first - 1]] == client_of[q]:
        first -= 1
    return k - first, first > 0 and queues[first - 1] >= 0


def _allowed(state: _State, a: _Agent, assigned: _Assigned, k: int) -> list[tuple[int, int]]:
    """(local queue or IDLE, extra cost) choices of an agent in interval k of its shift."""
    c, queues = assigned.candidate, assigned.queues
    t = c.start + k
    before = queues[k - 1] if k > 0 else IDLE
    length, switched = _block_so_far(queues, k, a.client_of)
    open_now = [i for i, q in enumerate(a.skills) if state.open[q, t]]
    switch = SCALE * a.agent.shift_rule.switch_weight  # a direct switch of queue costs this
    same = [i for i in open_now if before >= 0 and a.client_of[i] == a.client_of[before]]
    if before >= 0 and length < a.least:  # the client block is still short: stay with it
        stay = [(i, 0 if i == before else switch) for i in same]
        return stay if switched and stay else stay + [(IDLE, 0)]
    choices = [(IDLE, 0)]
    for i in open_now:
        if before < 0 or i == before:
            choices.append((i, 0))
            continue
        if i in same:  # another queue of the same client: no switch of client
            choices.append((i, switch))
            continue
        ahead = range(k, k + a.least)  # a switch of client: the new block must last
        if all(j < len(queues) and queues[j] != NOT_WORKING  # (on this queue, to be simple)
               and state.open[a.skills[i], c.start + j] for j in ahead):
            choices.append((i, switch))
    return choices


SCALE = 100  # objective costs are scaled to integers, a switch costing its weight


def _interval_flow(state: _State, t: int, people, options,
                   covered: np.ndarray | None = None) -> list[int]:
    """The queue (local index or IDLE) of each working agent in interval t; `covered`, per
    queue, agents already on it who are not among `people`."""
    flow = min_cost_flow.SimpleMinCostFlow()
    n = len(people)
    source, sink = 0, 1
    queue_node: dict[int, int] = {}
    tails, heads, caps, costs, meaning = [], [], [], [], []
    for j, ((a, _, _), choices) in enumerate(zip(people, options, strict=True)):
        node = 2 + j
        tails.append(source), heads.append(node), caps.append(1), costs.append(0)
        meaning.append(None)
        for local, extra in choices:
            if local == IDLE:
                target, cost = sink, OFF_QUEUE_WEIGHT * SCALE + extra
            else:
                q = int(a.skills[local])
                if q not in queue_node:
                    queue_node[q] = 2 + n + len(queue_node)
                target, cost = queue_node[q], extra
            tails.append(node), heads.append(target), caps.append(1), costs.append(cost)
            meaning.append((j, local))
    for q, node in queue_node.items():
        need = int(state.required[q, t]) - (0 if covered is None else int(covered[q]))
        tails.append(node), heads.append(sink), caps.append(max(0, need))
        costs.append(-int(state.short_weight[q]) * SCALE)
        tails.append(node), heads.append(sink), caps.append(n)
        costs.append(int(state.over_weight[q]) * SCALE)
        meaning += [None, None]
    flow.add_arcs_with_capacity_and_unit_cost(np.array(tails), np.array(heads),
                                              np.array(caps), np.array(costs))
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError(f"activity flow failed in interval {t}")
    chosen = [IDLE] * n
    flows = flow.flows(np.arange(len(tails)))
    for arc in np.flatnonzero(flows):
        if meaning[arc] is not None:
            j, local = meaning[arc]
            chosen[j] = local
    return chosen


def _repair_blocks(state: _State) -> None:
    """Re-plan the queues of every shift that breaks the minimum activity block."""
    for a in state.agents:
        for assigned in a.shifts.values():
            if _blocks_ok(assigned.queues, a.least, a.client_of):
                continue
            state.apply(a, assigned, -1)
            c = assigned.candidate
            gain = state.marginal(a.skills)[:, c.start:c.end]
            resting = {k for k, q in enumerate(assigned.queues) if q == NOT_WORKING}
            _, assigned.queues = _dp(gain, resting, a.least, a.client_of)
            state.apply(a, assigned, +1)


def _shift_value(a: _Agent, assigned: _Assigned, gain: np.ndarray) -> float:
    """The value of an assigned shift against marginal gains without it, less its pay."""
    c = assigned.candidate
    return _value(gain[:, c.start:c.end], assigned.queues) - _pay_of(a, assigned)


def _pay_of(a: _Agent, assigned: _Assigned) -> float:
    """Pay for a shift: its intervals less an unpaid meal break."""
    c = assigned.candidate
    total = a.pay[c.start:c.end].sum()
    if assigned.break_start is not None and not a.agent.shift_rule.meal_break_paid:
        total -= a.pay[assigned.break_start:assigned.break_start + c.break_intervals].sum()
    return float(total)


def _local_search(state: _State, deadline: float, rng: random.Random,
                  report: Callable[[_State], None], stopped: threading.Event) -> None:
    """Best responses agent by agent until a sweep brings nothing, then queues re-planned
    jointly; then best responses valued with hand-overs; on large problems each client's
    days re-planned by a MIP for half the time left; and while time is left shake-ups
    by a short annealing walk, each followed by those best responses again."""
    agents = list(state.agents)
    while time.monotonic() < deadline and not stopped.is_set():
        rng.shuffle(agents)
        improved = 0
        for a in agents:
            if time.monotonic() >= deadline or stopped.is_set():
                break
            improved += _best_response(state, a)
        if time.monotonic() < deadline and not improved:  # one joint re-plan at the end
            before = state.objective()
            saved = [(x, {d: _Assigned(s.candidate, s.break_start, list(s.queues))
                          for d, s in x.shifts.items()}) for x in state.agents]
            _flow_activities(state)
            if state.objective() > before:  # keep the better of the two
                for x, shifts in saved:
                    x.shifts = shifts
                state.recount()
        report(state)
        if not improved:
            break
    _chain_responses(state, agents, deadline, rng, report, stopped)
    if DAY_REPLANS and len(state.agents) >= DAY_REPLAN_MIN_AGENTS:
        _day_replans(state, time.monotonic() + DAY_REPLAN_SHARE * (deadline - time.monotonic()),
                     report, stopped)
    # then, while time is left, shake the roster up by a short walk and descend again,
    # keeping the best roster seen (an iterated local search)
    best, best_value = _snapshot(state), state.objective()
    while (left := deadline - time.monotonic()) > KICK_MIN_SECONDS and not stopped.is_set():
        _anneal(state, time.monotonic() + KICK_SHARE * left, rng, report, stopped,
                keep_best=False)
        _chain_responses(state, agents, deadline, rng, report, stopped)
        if (value := state.objective()) < best_value - 1e-9:
            best, best_value = _snapshot(state), value
    if state.objective() > best_value + 1e-9:
        _restore(state, best)


# client-days re-planned by a MIP after the hand-over descent (M at 55 s on one core, seeds
# 1/2/3: 61.2k/61.7k/62.5k against 63.0k/62.6k/62.9k without; S no better within noise)
DAY_REPLANS = True
DAY_REPLAN_MIN_AGENTS = 100
DAY_REPLAN_SHARE = 0.5  # of the time left after the hand-over descent
DAY_REPLAN_SECONDS = 2.0  # HiGHS's limit for one client's day


def _day_replans(state: _State, deadline: float, report: Callable[[_State], None],
                 stopped: threading.Event) -> None:
    """Each client's agents re-planned a day at a time by a MIP (`scheduler.day_mip`),
    the client-days losing most first, in rounds until one gains nothing or time is up."""
    problem = state.problem
    client_of = {q.key: q.client for q in problem.queues}
    members: dict[str, set[str]] = defaultdict(set)
    for a in problem.agents:
        for k in a.skills:
            members[client_of[k]].add(a.key)
    queues_of: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(problem.queues):
        queues_of[q.client].append(i)
    while time.monotonic() < deadline and not stopped.is_set():
        loss = _loss_against_plan(state)
        order = []
        for d in range(problem.grid.days):
            days = slice(state.day_start[d], state.day_start[d + 1])
            for client, qs in queues_of.items():
                order.append((-float(loss[qs, days].sum()), d, client))
        gained = 0.0
        for key, d, client in sorted(order):
            if key >= 0:  # no worse than the plan there: leave the rest for the search
                break
            left = deadline - time.monotonic()
            if left <= 0.2 or stopped.is_set():
                break
            gain = replan_day(state, d, min(DAY_REPLAN_SECONDS, left), members[client])
            if gain > 0:
                gained += gain
                report(state)
        if gained <= 0:
            break


def _loss_against_plan(state: _State) -> np.ndarray:
    """Per queue and interval, what the roster's under- and overstaffing cost beyond the
    LP plan's (the raw shortfall where there is no plan): where re-planning can gain."""
    def cost(coverage: np.ndarray) -> np.ndarray:
        short = np.maximum(state.required - coverage, 0) * state.short_weight[:, None]
        return short + np.maximum(coverage - state.required, 0) * state.over_weight[:, None]

    if state.target is None:
        return cost(state.coverage)
    return cost(state.coverage) - cost(state.target)


KICK_MIN_SECONDS = 3.0  # a shake-up and descent take about this long at least
KICK_SHARE = 0.15  # of the time left, for each shake-up walk


def _chain_responses(state: _State, agents: list[_Agent], deadline: float,
                     rng: random.Random, report: Callable[[_State], None],
                     stopped: threading.Event) -> None:
    """Sweeps of best responses valued with hand-overs until one brings nothing."""
    while time.monotonic() < deadline and not stopped.is_set():
        rng.shuffle(agents)
        improved = 0
        for a in agents:
            if time.monotonic() >= deadline or stopped.is_set():
                break
            improved += _best_response(state, a, chains=True)
        report(state)
        if not improved:
            break


ANNEAL_FROM, ANNEAL_TO = 60.0, 0.5  # temperature, in objective points, over the run
# A walk touches each agent only a few times when there are many of them, so it cannot cool
# back down from a hot start within the limit: on the 300-agent week (M; LP plan given, then
# 55 s of planning, the walk's last ~25 s) starting at 60 found nothing better than the best
# responses' 68,037, starting at 8 reached 67,052. The starting temperature falls in
# proportion beyond this many agents (S, 50 agents, keeps 60).
ANNEAL_REFERENCE_AGENTS = 50


def _snapshot(state: _State) -> list[dict[int, _Assigned]]:
    """A copy of every agent's shifts."""
    return [{d: _Assigned(x.candidate, x.break_start, list(x.queues)) for d, x in a.shifts.items()}
            for a in state.agents]


def _restore(state: _State, saved: list[dict[int, _Assigned]]) -> None:
    """Put a snapshot back and recount the coverage."""
    for a, shifts in zip(state.agents, saved, strict=True):
        a.shifts = shifts
    state.recount()


def _anneal(state: _State, deadline: float, rng: random.Random,
            report: Callable[[_State], None], stopped: threading.Event,
            keep_best: bool = True) -> None:
    """Simulated annealing over single shifts until the deadline; keeps the best roster.

    A move re-times one agent-day (a nearby start or another length, now and then any
    candidate or a day off), with the best break and queues against everyone else; it is
    taken when it keeps the agent's rules and improves the objective, or, while the
    temperature is high, worsens it a little. Escapes the local optima of best responses.
    """
    movable = [a for a in state.agents if a.by_day]
    if not movable:
        return
    began = time.monotonic()
    span = max(1e-3, deadline - began)
    hot = ANNEAL_FROM * min(1.0, ANNEAL_REFERENCE_AGENTS / len(movable))
    current = best = saved_value = state.objective()
    saved = _snapshot(state)
    last_saved = began
    while (now := time.monotonic()) < deadline and not stopped.is_set():
        temperature = hot * (ANNEAL_TO / hot) ** ((now - began) / span)
        for _ in range(100):
            a = rng.choice(movable)
            d = rng.choice(list(a.by_day))
            old = a.shifts.get(d)
            c = _neighbour(a, d, old, rng)
            if c is old or (old is not None and c is old.candidate):
                continue
            others = {e: x.candidate for e, x in a.shifts.items() if e != d}
            if not state.week_ok(a, others if c is None else {**others, d: c}):
                continue
            if old is not None:
                state.apply(a, old, -1)
            gain = state.marginal(a.skills)
            before = _shift_value(a, old, gain) if old is not None else 0.0
            after, s, queues = state.best_activities(a, c, gain) if c is not None else \
                (0.0, None, [])
            delta = after - before  # objective saved by the move
            if delta >= 0 or rng.random() < math.exp(delta / temperature):
                if c is None:
                    del a.shifts[d]
                else:
                    a.shifts[d] = _Assigned(c, s, queues)
                    state.apply(a, a.shifts[d], +1)
                current -= delta
            elif old is not None:
                state.apply(a, old, +1)
        if current < best - 1e-9:
            best = current
            if time.monotonic() - last_saved > 2.0:
                saved, saved_value, last_saved = _snapshot(state), best, time.monotonic()
                report(state)
    if keep_best and state.objective() > saved_value + 1e-9:  # ended worse than the best
        _restore(state, saved)


def _neighbour(a: _Agent, d: int, old: _Assigned | None, rng: random.Random):
    """A candidate near the current shift of day d (or any, or None for a day off)."""
    candidates = a.by_day[d]
    roll = rng.random()
    if old is None or roll < 0.2:
        return rng.choice(candidates)
    if roll < 0.25:
        return None
    c = old.candidate
    if roll < 0.8:  # same length, start moved by one or two steps
        near = [x for x in candidates if x.end - x.start == c.end - c.start
                and 0 < abs(x.start - c.start) <= 2]
    else:  # another length from about the same start
        near = [x for x in candidates if x.end - x.start != c.end - c.start
                and abs(x.start - c.start) <= 1]
    return rng.choice(near) if near else rng.choice(candidates)


_COMBOS: dict[tuple[int, int], np.ndarray] = {}


def _combos(days: int, options: int) -> np.ndarray:
    """Every choice of one option per day, as rows."""
    key = (days, options)
    if key not in _COMBOS:
        grids = np.meshgrid(*[np.arange(options)] * days, indexing="ij")
        _COMBOS[key] = np.stack([g.ravel() for g in grids], axis=1)
    return _COMBOS[key]


def _week_table(a: _Agent, week: list[int], per_interval: np.ndarray):
    """Per day of a week and per shift length (0 = day off): the best candidate's value,
    paid minutes and (candidate, break start), valuing each interval by `per_interval`."""
    lengths = sorted({c.end - c.start for cs in a.by_day.values() for c in cs})
    prefix = np.concatenate(([0.0], np.cumsum(per_interval)))
    value = np.full((len(week), len(lengths) + 1), -np.inf)
    paid = np.zeros((len(week), len(lengths) + 1))
    pick: dict[tuple[int, int], tuple[Candidate, int | None]] = {}
    for j, d in enumerate(week):
        value[j, 0] = 0.0
        for c in a.by_day.get(d, ()):
            v = prefix[c.end] - prefix[c.start]
            s = None
            if c.needs_break:
                s = _cheapest_start(c, prefix)
                v -= prefix[s + c.break_intervals] - prefix[s]
            k = 1 + lengths.index(c.end - c.start)
            if v > value[j, k]:
                value[j, k], paid[j, k], pick[j, k] = v, c.paid_minutes, (c, s)
    return value, paid, pick


def _cheapest_start(c: Candidate, prefix: np.ndarray) -> int:
    """The meal-break start of c that loses the least of the values summed in `prefix`
    (the first such start, as min() over break_starts would give)."""
    starts = c.break_starts
    first, last = starts[0], starts[-1]
    if last - first + 1 == len(starts):  # a contiguous window, as candidates have
        lost = prefix[first + c.break_intervals:last + c.break_intervals + 1] \
            - prefix[first:last + 1]
        return first + int(np.argmin(lost))
    return min(starts, key=lambda s: prefix[s + c.break_intervals] - prefix[s])


def _outer_sum(table: np.ndarray) -> np.ndarray:
    """Per combination of one option per day (in `_combos` order), the sum over days."""
    total = table[0]
    for row in table[1:]:
        total = np.add.outer(total, row)
    return total.ravel()


def _ranked_weeks(week: list[int], low: int, high: int, value: np.ndarray, paid: np.ndarray,
                  tries: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best `tries` combinations of one option per day within the week's paid bounds.

    The combinations are a full product, so their totals are outer sums of the days' rows
    (much faster than indexing every combination; the best-response sweep spends most of
    its time here on large weeks).
    """
    combos = _combos(len(week), value.shape[1])
    totals = _outer_sum(value)
    paid_total = _outer_sum(paid)
    totals[(paid_total < low) | (paid_total > high)] = -np.inf
    if len(totals) > tries:
        top = np.argpartition(-totals, tries)[:tries]
        best = top[np.argsort(-totals[top], kind="stable")]
    else:
        best = np.argsort(-totals, kind="stable")[:tries]
    return combos, totals, best


def _best_response(state: _State, a: _Agent, tries: int = 40, chains: bool = False) -> int:
    """Re-plan one agent's week by week against everyone else; return weeks improved.

    For each day, the best candidate of each length (by its value with the best break and
    the best queue per interval) or a day off; every combination over the week is scored at
    once, and the best ones that keep the agent's rules are valued exactly. With `chains`,
    intervals are valued with queue hand-overs (`chain_marginal`), which are then made
    (`_reflow`), and the new week is kept only if the exact cost falls.
    """
    improved = 0
    for week, low, high in a.weeks:
        current = {d: a.shifts[d] for d in week if d in a.shifts}
        if chains:
            before = _cost_without_pay(state) + sum(_pay_of(a, x) for x in current.values())
        for assigned in current.values():
            state.apply(a, assigned, -1)
        if chains:
            first, end = state.day_start[week[0]], state.day_start[week[-1] + 1]
            potentials = state.potentials(first, end)
            gain = state.chain_marginal(a.skills, first, end)
        else:
            gain = state.marginal(a.skills)
        now = sum(_shift_value(a, x, gain) for x in current.values())
        per_interval = np.maximum(gain.max(axis=0), -OFF_QUEUE_WEIGHT) - a.pay
        value, paid, pick = _week_table(a, week, per_interval)
        combos, totals, best = _ranked_weeks(week, low, high, value, paid, tries)
        others = {d: x.candidate for d, x in a.shifts.items() if d not in current}
        chosen = None
        for row in best:
            if totals[row] <= now + 1e-9:
                break
            plan = {week[j]: pick[j, k][0] for j, k in enumerate(combos[row]) if k > 0}
            if not state.week_ok(a, {**others, **plan}):
                continue
            exact = {d: state.best_activities(a, c, gain) for d, c in plan.items()}
            if sum(v for v, _, _ in exact.values()) > now + 1e-9:
                chosen = {d: _Assigned(plan[d], s, queues) for d, (_, s, queues) in exact.items()}
                break
        if chosen is None:
            for assigned in current.values():
                state.apply(a, assigned, +1)
            continue
        if chains:  # what to put back if the hand-overs do not pay
            kept = [(x, list(x.queues)) for b in state.agents if b is not a
                    for x in b.shifts.values()]
            counts = state.coverage.copy(), state.on.copy()
        for d in current:
            del a.shifts[d]
        for d, assigned in chosen.items():
            a.shifts[d] = assigned
            state.apply(a, assigned, +1)
        if chains:
            focus = _focus(chosen.values(), a, first, end, potentials)
            everyone = [(b, x) for b in state.agents for x in b.shifts.values()]
            _reflow(state, everyone, focus)
            after = _cost_without_pay(state) + sum(_pay_of(a, x) for x in chosen.values())
            if after >= before - 1e-9:
                for x, queues in kept:
                    x.queues = queues
                # (the intervals that differ were all marked when they changed, so the
                # potentials kept for the others still hold)
                state.coverage, state.on = counts
                for d in chosen:
                    del a.shifts[d]
                for d, assigned in current.items():
                    a.shifts[d] = assigned
                    state.apply(a, assigned, +1)
                continue
        improved += 1
    return improved


def _coffee_offsets(c: Candidate, meal: int | None, local_value: np.ndarray) -> set[int]:
    """Offsets in the shift of its paid coffee breaks: in each window the start that loses
    the least value (`local_value` per interval of the shift), apart from the meal break."""
    taken = set() if meal is None else set(range(meal - c.start,
                                                 meal - c.start + c.break_intervals))
    found: set[int] = set()
    for window in c.coffee_windows:
        spans = [range(x - c.start, x - c.start + c.coffee_intervals) for x in window]
        spans = [r for r in spans if not taken & set(r)]
        if not spans:
            continue  # no room beside the meal break: the validator will say so
        best = min(spans, key=lambda r: (float(local_value[list(r)].sum()), r.start))
        taken |= set(best)
        found |= set(best)
    return found


def _roster(state: _State) -> Roster:
    """The assigned shifts as a Roster."""
    grid = state.problem.grid
    at = grid.interval_start
    shifts = []
    for a in state.agents:
        paid = a.agent.shift_rule.meal_break_paid
        for d, assigned in sorted(a.shifts.items()):
            c = assigned.candidate
            breaks: tuple[Break, ...] = ()
            meal: range = range(0)
            if assigned.break_start is not None:
                s = assigned.break_start
                meal = range(s, s + c.break_intervals)
                breaks = (Break(at(s), at(s + c.break_intervals), paid=paid),)
            coffee = [c.start + k for k, q in enumerate(assigned.queues)
                      if q == NOT_WORKING and c.start + k not in meal]
            for i in range(0, len(coffee), max(1, c.coffee_intervals)):
                first = coffee[i]
                breaks += (Break(at(first), at(first + c.coffee_intervals), kind="coffee",
                                 paid=True),)
            breaks = tuple(sorted(breaks, key=lambda b: b.start))
            blocks: list[list[int]] = []  # [queue index, first, end]
            for k, q in enumerate(assigned.queues):
                t = c.start + k
                if q < 0:
                    continue
                if blocks and blocks[-1][0] == q and blocks[-1][2] == t:
                    blocks[-1][2] = t + 1
                else:
                    blocks.append([q, t, t + 1])
            activities = tuple(Activity(state.queue_keys[a.skills[q]], at(first), at(end))
                               for q, first, end in blocks)
            shifts.append(Shift(a.agent.key, grid.day_list[d], at(c.start), at(c.end),
                                breaks, activities))
    return Roster(tuple(sorted(shifts, key=lambda s: (s.agent, s.start))))


def _reach(adj: np.ndarray, q: int) -> set[int]:
    """Queues reachable from q by handing on (`adj[q, q2]`: someone on q can serve q2)."""
    seen, todo = {q}, [q]
    while todo:
        for nxt in np.flatnonzero(adj[todo.pop()]).tolist():
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _reflow(state: _State, shifts: list[tuple[_Agent, _Assigned]],
            focus: dict[int, set[int]]) -> None:
    """Re-plan, in each interval of `focus`, the queues of these shifts' agents who are on
    the interval's focus queues, by a min-cost flow (as `_flow_activities`); then repair any
    minimum activity block that broke."""
    times = sorted(focus)
    covering: dict[int, list[tuple[_Agent, _Assigned]]] = defaultdict(list)
    for a, x in sorted(shifts, key=lambda pair: pair[1].candidate.day):
        c = x.candidate
        for t in times[bisect.bisect_left(times, c.start):bisect.bisect_left(times, c.end)]:
            covering[t].append((a, x))
    changed: dict[int, tuple[_Agent, _Assigned]] = {}
    for t in times:
        queues = focus[t]
        people = [(a, x, t - x.candidate.start) for a, x in covering[t]
                  if x.queues[t - x.candidate.start] >= 0
                  and a.skills[x.queues[t - x.candidate.start]] in queues]
        if not people:
            continue
        _count_at(state, t, [(a, x.queues[k]) for a, x, k in people], -1)
        options = [_allowed(state, a, x, k) for a, x, k in people]
        chosen = _interval_flow(state, t, people, options)
        for (a, x, k), q in zip(people, chosen, strict=True):
            if q != x.queues[k]:
                changed[id(x)] = (a, x)
            x.queues[k] = q
        _count_at(state, t, list(zip((a for a, _, _ in people), chosen, strict=True)), +1)
    for a, x in changed.values():
        if not _blocks_ok(x.queues, a.least, a.client_of):
            state.apply(a, x, -1)
            c = x.candidate
            gain = state.marginal(a.skills)[:, c.start:c.end]
            resting = {k for k, q in enumerate(x.queues) if q == NOT_WORKING}
            _, x.queues = _dp(gain, resting, a.least, a.client_of)
            state.apply(a, x, +1)


def _count_at(state: _State, t: int, working: list[tuple[_Agent, int]], sign: int) -> None:
    """Add (+1) or take away (-1) agents on their queues (local index; IDLE counts for
    nothing) in interval t, in `coverage` and `on` at once."""
    working = [(a, q) for a, q in working if q >= 0]
    if not working:
        return
    queues = np.array([a.skills[q] for a, q in working])
    np.add.at(state.coverage[:, t], queues, sign)
    rows = np.concatenate([np.full(len(a.skills), a.skills[q]) for a, q in working])
    cols = np.concatenate([a.skills for a, _ in working])
    np.add.at(state.on[t], (rows, cols), sign)
    state.counts_changed(t)


def _focus(shifts, a: _Agent, first: int, end: int, potentials) -> dict[int, set[int]]:
    """Per interval where one of agent a's new shifts counted on a hand-over, the queues
    the chain may pass through."""
    direct, pi, adj = potentials
    focus: dict[int, set[int]] = {}
    for x in shifts:
        for k, q in enumerate(x.queues):
            t = x.candidate.start + k
            if q < 0 or not first <= t < end:
                continue
            queue = int(a.skills[q])
            if pi[t - first, queue] > direct[t - first, queue] + 1e-9:
                focus[t] = _reach(adj[t - first], queue)
    return focus


def _cost_without_pay(state: _State) -> float:
    """Understaffing, overstaffing and back-office time of the whole roster."""
    idle = sum(x.queues.count(IDLE) for a in state.agents for x in a.shifts.values())
    return _window_cost(state, 0, state.coverage.shape[1]) + OFF_QUEUE_WEIGHT * idle


def _window_cost(state: _State, first: int, end: int) -> float:
    """Understaffing and overstaffing in intervals [first, end)."""
    gap = state.required[:, first:end] - state.coverage[:, first:end]
    return float(np.maximum(gap, 0).sum(axis=1) @ state.short_weight
                 + np.maximum(-gap, 0).sum(axis=1) @ state.over_weight)
