"""The planner's local-search moves: best responses over one agent's week (valued with
queue hand-overs when asked) and short annealing walks over single shifts."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable

import numpy as np

from scheduler.candidates import Candidate
from scheduler.penalties import OFF_QUEUE_WEIGHT
from scheduler.plan_flow import reflow
from scheduler.plan_state import (
    IDLE,
    Assigned,
    PlanAgent,
    State,
    pay_of,
    restore,
    shift_value,
    snapshot,
)


def chain_responses(state: State, agents: list[PlanAgent], deadline: float,
                    rng: random.Random, report: Callable[[State], None],
                    stopped: threading.Event) -> None:
    """Sweeps of best responses valued with hand-overs until one brings nothing."""
    while time.monotonic() < deadline and not stopped.is_set():
        rng.shuffle(agents)
        improved = 0
        for a in agents:
            if time.monotonic() >= deadline or stopped.is_set():
                break
            improved += best_response(state, a, chains=True)
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


def anneal(state: State, deadline: float, rng: random.Random,
           report: Callable[[State], None], stopped: threading.Event,
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
    saved = snapshot(state)
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
            before = shift_value(a, old, gain) if old is not None else 0.0
            after, s, queues = state.best_activities(a, c, gain) if c is not None else \
                (0.0, None, [])
            delta = after - before  # objective saved by the move
            if delta >= 0 or rng.random() < math.exp(delta / temperature):
                if c is None:
                    del a.shifts[d]
                else:
                    a.shifts[d] = Assigned(c, s, queues)
                    state.apply(a, a.shifts[d], +1)
                current -= delta
            elif old is not None:
                state.apply(a, old, +1)
        if current < best - 1e-9:
            best = current
            if time.monotonic() - last_saved > 2.0:
                saved, saved_value, last_saved = snapshot(state), best, time.monotonic()
                report(state)
    if keep_best and state.objective() > saved_value + 1e-9:  # ended worse than the best
        restore(state, saved)


def _neighbour(a: PlanAgent, d: int, old: Assigned | None, rng: random.Random):
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


def _week_table(a: PlanAgent, week: list[int], per_interval: np.ndarray):
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


def best_response(state: State, a: PlanAgent, tries: int = 40, chains: bool = False) -> int:
    """Re-plan one agent's week by week against everyone else; return weeks improved.

    For each day, the best candidate of each length (by its value with the best break and
    the best queue per interval) or a day off; every combination over the week is scored at
    once, and the best ones that keep the agent's rules are valued exactly. With `chains`,
    intervals are valued with queue hand-overs (`chain_marginal`), which are then made
    (`reflow`), and the new week is kept only if the exact cost falls.
    """
    improved = 0
    for week, low, high in a.weeks:
        current = {d: a.shifts[d] for d in week if d in a.shifts}
        if chains:
            before = _cost_without_pay(state) + sum(pay_of(a, x) for x in current.values())
        for assigned in current.values():
            state.apply(a, assigned, -1)
        if chains:
            first, end = state.day_start[week[0]], state.day_start[week[-1] + 1]
            potentials = state.potentials(first, end)
            gain = state.chain_marginal(a.skills, first, end)
        else:
            gain = state.marginal(a.skills)
        now = sum(shift_value(a, x, gain) for x in current.values())
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
                chosen = {d: Assigned(plan[d], s, queues) for d, (_, s, queues) in exact.items()}
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
            reflow(state, everyone, focus)
            after = _cost_without_pay(state) + sum(pay_of(a, x) for x in chosen.values())
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


def _reach(adj: np.ndarray, q: int) -> set[int]:
    """Queues reachable from q by handing on (`adj[q, q2]`: someone on q can serve q2)."""
    seen, todo = {q}, [q]
    while todo:
        for nxt in np.flatnonzero(adj[todo.pop()]).tolist():
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _focus(shifts, a: PlanAgent, first: int, end: int, potentials) -> dict[int, set[int]]:
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


def _cost_without_pay(state: State) -> float:
    """Understaffing, overstaffing and back-office time of the whole roster."""
    idle = sum(x.queues.count(IDLE) for a in state.agents for x in a.shifts.values())
    return _window_cost(state, 0, state.coverage.shape[1]) + OFF_QUEUE_WEIGHT * idle


def _window_cost(state: State, first: int, end: int) -> float:
    """Understaffing and overstaffing in intervals [first, end)."""
    gap = state.required[:, first:end] - state.coverage[:, first:end]
    return float(np.maximum(gap, 0).sum(axis=1) @ state.short_weight
                 + np.maximum(-gap, 0).sum(axis=1) @ state.over_weight)
