"""The planner's search state: coverage per queue and interval, every agent's shifts, the
exact objective, the rules of one agent's week and the best activities of one shift."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from scheduler.aggregate import Group
from scheduler.candidates import Candidate
from scheduler.costs import has_pay, interval_pay
from scheduler.domain import Agent, Problem
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
class Assigned:
    """One agent's shift on one day: the candidate, its break and the queue per interval."""

    candidate: Candidate
    break_start: int | None
    queues: list[int]  # per interval of the shift: queue index, IDLE or NOT_WORKING


@dataclass
class PlanAgent:
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
    shifts: dict[int, Assigned] = field(default_factory=dict)


class State:
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
        self.agents: list[PlanAgent] = []
        weeks = list(problem.weeks().values())
        clients = sorted({q.client for q in problem.queues})
        for g, group in enumerate(groups):
            for agent in group.agents:
                fixed = problem.fixed_before.get(agent.key, ())
                last = max((s.end for s in fixed), default=None)
                eve = grid.day_list[0] - timedelta(days=1)
                day0 = [(s.end - grid.start_utc) / grid.step for s in fixed if s.day == eve]
                self.agents.append(PlanAgent(
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
        return int(sum(pay_of(a, x) for a in self.agents for x in a.shifts.values()))

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

    def apply(self, a: PlanAgent, assigned: Assigned, sign: int) -> None:
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
        chain value (`potentials`); `plan_flow.reflow` then makes the chain happen."""
        gain = self.marginal(skills)
        if end > first:
            _, pi, _ = self.potentials(first, end)
            gain[:, first:end] = np.where(self.open[skills, first:end], pi.T[skills], LOSS)
        return gain

    # ------------------------------------------------------------ rules of one agent

    def week_ok(self, a: PlanAgent, shifts: dict[int, Candidate]) -> bool:
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

    def week_partial_ok(self, a: PlanAgent, shifts: dict[int, Candidate]) -> bool:
        """`week_ok` without the weekly minimum, for a week still being filled."""
        saved = a.weeks
        a.weeks = [(w, 0, high) for w, _, high in saved]
        try:
            return self.week_ok(a, shifts)
        finally:
            a.weeks = saved

    def _weekly_rest(self, a: PlanAgent, shifts: dict[int, Candidate]) -> bool:
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

    def _rest_around(self, a: PlanAgent, shifts: dict[int, Candidate], d: int, n_days: int):
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

    def best_activities(self, a: PlanAgent, c: Candidate, gain: np.ndarray
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
            value -= pay_of(a, Assigned(c, s, queues))
            if value > best[0]:
                best = (value, s, queues)
        return best

    def quick_values(self, a: PlanAgent, candidates: tuple[Candidate, ...], gain: np.ndarray
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
    if len(set(client_of)) == 1 or least <= 1 or blocks_ok(greedy, least, client_of):
        return _value(span, greedy), greedy
    return dp(span, resting, least, client_of)


def _value(span: np.ndarray, queues: list[int]) -> float:
    """The value of a queue sequence."""
    total = 0.0
    for k, q in enumerate(queues):
        if q >= 0:
            total += span[q, k]
        elif q == IDLE:
            total -= OFF_QUEUE_WEIGHT
    return total


def blocks_ok(queues: list[int], least: int, client_of: list[int]) -> bool:
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


def dp(span: np.ndarray, resting: set[int], least: int, client_of: list[int]
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


def switches(state: State) -> int:
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


def shift_value(a: PlanAgent, assigned: Assigned, gain: np.ndarray) -> float:
    """The value of an assigned shift against marginal gains without it, less its pay."""
    c = assigned.candidate
    return _value(gain[:, c.start:c.end], assigned.queues) - pay_of(a, assigned)


def pay_of(a: PlanAgent, assigned: Assigned) -> float:
    """Pay for a shift: its intervals less an unpaid meal break."""
    c = assigned.candidate
    total = a.pay[c.start:c.end].sum()
    if assigned.break_start is not None and not a.agent.shift_rule.meal_break_paid:
        total -= a.pay[assigned.break_start:assigned.break_start + c.break_intervals].sum()
    return float(total)


def snapshot(state: State) -> list[dict[int, Assigned]]:
    """A copy of every agent's shifts."""
    return [{d: Assigned(x.candidate, x.break_start, list(x.queues)) for d, x in a.shifts.items()}
            for a in state.agents]


def restore(state: State, saved: list[dict[int, Assigned]]) -> None:
    """Put a snapshot back and recount the coverage."""
    for a, shifts in zip(state.agents, saved, strict=True):
        a.shifts = shifts
    state.recount()


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
