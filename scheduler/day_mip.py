"""One day of a planned roster re-solved exactly: every agent's shift that day as one MIP.

Single-agent moves see a flat objective where a better day needs several agents to move at
once (an evening agent later, a day agent later to cover the noon she leaves, ...). Here,
with every other day fixed, the day's shifts, meal breaks and queue cover are chosen
together by HiGHS. Agents whose rules leave them the same choices that day (same group,
same shifts allowed by their other days' rest, weekly minutes, consecutive days and weekly
rest, as `plan_state.State.week_ok` checks them) form a class and are counted, not named; meal
breaks are pooled per start, as in the aggregated LP, and the queue cover per skill set is a
transportation problem, integral once the counts are. What the MIP drops, the minimum
activity block and the exact break of each shift, is settled after by the interval flow
and each new shift's best break and queues; `replan_day` keeps the new day only if the
planner's exact objective falls.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from scheduler.candidates import Candidate
from scheduler.penalties import OFF_QUEUE_WEIGHT
from scheduler.plan_flow import allowed_queues, interval_flow
from scheduler.plan_state import IDLE, NOT_WORKING, Assigned

MIP_GAP = 0.005  # HiGHS stops within half a per cent of its bound
ACTIVITY_PASSES = 2  # best break and queues per new shift, against the others, after the flow


@dataclass
class DayClass:
    """Agents of one group with the same choices on the day."""

    group: int
    skills: tuple[int, ...]
    allowed: tuple[int, ...]  # candidate indices of the day
    may_rest: bool  # may have no shift that day
    agents: list  # plan_state.PlanAgent


@dataclass(frozen=True)
class DayPlan:
    """The MIP's day: per class, a candidate index and break start (or None) per shift."""

    value: float  # the MIP's objective over the day's window (lower is better)
    shifts: dict[int, list[tuple[int, int | None]]]  # class index -> shifts


def day_classes(state, d: int, free: set | None = None) -> list[DayClass]:
    """The agents who may work day d, by what they may do (their other days fixed)."""
    classes: dict[tuple, DayClass] = {}
    for a in state.agents:
        if d not in a.by_day or (free is not None and a.agent.key not in free):
            continue
        others = {e: s.candidate for e, s in a.shifts.items() if e != d}
        allowed = tuple(i for i, c in enumerate(a.by_day[d])
                        if state.week_ok(a, {**others, d: c}))
        may_rest = state.week_ok(a, others)
        if not allowed and not may_rest:
            continue  # nothing valid but what it has (cannot happen for a valid roster)
        key = (a.group, allowed, may_rest)
        if key not in classes:
            classes[key] = DayClass(a.group, tuple(int(q) for q in a.skills), allowed,
                                    may_rest, [])
        classes[key].agents.append(a)
    return list(classes.values())


def solve_day(state, d: int, classes: list[DayClass], covered: np.ndarray,
              time_limit_seconds: float) -> DayPlan | None:
    """The best shifts for the classes on day d given `covered` (the cover of everyone
    else, per queue and interval); None when HiGHS found nothing."""
    solver = pywraplp.Solver.CreateSolver("HIGHS")
    if solver is None or not classes:
        return None
    inf = solver.infinity()
    cost: list[tuple[object, float]] = []
    working: dict[tuple[tuple[int, ...], int], list[tuple[object, int]]] = defaultdict(list)
    counts: list[dict[int, object]] = []
    breaks: list[dict[int, object]] = []
    for cls in classes:
        a0 = cls.agents[0]
        cands: tuple[Candidate, ...] = a0.by_day[d]
        size = len(cls.agents)
        n = {i: solver.IntVar(0, size, "") for i in cls.allowed}
        counts.append(n)
        total = solver.Sum(n.values()) if n else 0
        if cls.may_rest:
            solver.Add(total <= size)
        else:
            solver.Add(total == size)
        unpaid = not a0.agent.shift_rule.meal_break_paid
        allowing: dict[int, list] = defaultdict(list)
        with_break = []
        for i, x in n.items():
            c = cands[i]
            cost.append((x, float(a0.pay[c.start:c.end].sum())))
            for t in range(c.start, c.end):
                working[cls.skills, t].append((x, 1))
            if c.needs_break:
                with_break.append(x)
                for s in c.break_starts:
                    allowing[s].append(x)
        b = {}
        if with_break:
            length = max(cands[i].break_intervals for i in n if cands[i].needs_break)
            for s, xs in allowing.items():
                v = solver.IntVar(0, size, "")
                b[s] = v
                solver.Add(v <= solver.Sum(xs))
                for t in range(s, s + length):
                    working[cls.skills, t].append((v, -1))
                if unpaid:
                    cost.append((v, -float(a0.pay[s:s + length].sum())))
            solver.Add(solver.Sum(b.values()) == solver.Sum(with_break))
        breaks.append(b)
    cover: dict[tuple[int, int], list] = defaultdict(list)
    for (skills, t), terms in working.items():
        w = solver.Sum(v * k for v, k in terms)
        ys = []
        for q in skills:
            if state.open[q, t]:
                y = solver.NumVar(0, inf, "")
                ys.append(y)
                cover[q, t].append(y)
                cost.append((y, -OFF_QUEUE_WEIGHT))
        # working agents cost the off-queue weight unless on a queue
        for v, k in terms:
            cost.append((v, k * OFF_QUEUE_WEIGHT))
        if ys:
            solver.Add(solver.Sum(ys) <= w)
    for (q, t), ys in cover.items():
        need = int(state.required[q, t]) - int(covered[q, t])
        on = solver.Sum(ys)
        if need > 0:
            u = solver.NumVar(0, need, "")
            solver.Add(on + u >= need)
            cost.append((u, float(state.short_weight[q])))
        o = solver.NumVar(0, inf, "")
        solver.Add(o >= on - max(need, 0))
        cost.append((o, float(state.over_weight[q])))
    objective = solver.Objective()
    for v, c in cost:
        objective.SetCoefficient(v, objective.GetCoefficient(v) + c)
    objective.SetMinimization()
    # proving the last fraction of a per cent takes most of the time on a busy day (M:
    # 7 s against 1.3 s for the same roster); the caller judges the result exactly anyway
    # (HiGHS applies the option though OR-Tools reports it unknown); output_flag=false keeps
    # HiGHS's banner, printed once per day MIP otherwise, out of the benchmark's figures
    solver.SetSolverSpecificParametersAsString(
        f"mip_rel_gap={MIP_GAP}\nthreads=1\noutput_flag=false")
    solver.SetTimeLimit(int(1000 * time_limit_seconds))
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    shifts: dict[int, list[tuple[int, int | None]]] = {}
    for k, cls in enumerate(classes):
        cands = cls.agents[0].by_day[d]
        chosen = [i for i, x in counts[k].items() for _ in range(round(x.solution_value()))]
        starts = [s for s, v in breaks[k].items() for _ in range(round(v.solution_value()))]
        shifts[k] = _match_breaks(cands, chosen, starts)
    return DayPlan(objective.Value(), shifts)


def _match_breaks(cands: tuple[Candidate, ...], chosen: list[int], starts: list[int]
                  ) -> list[tuple[int, int | None]]:
    """Each chosen shift with a pooled break start inside its window, earliest window end
    first (optimal for windows against points); a shift left over takes its middle start."""
    pool = sorted(starts)
    out: list[tuple[int, int | None]] = []
    order = sorted(chosen, key=lambda i: (cands[i].break_starts[-1] if cands[i].needs_break
                                          else -1))
    for i in order:
        c = cands[i]
        if not c.needs_break:
            out.append((i, None))
            continue
        s = next((s for s in pool if s in c.break_starts), None)
        if s is None:
            s = c.break_starts[len(c.break_starts) // 2]
        else:
            pool.remove(s)
        out.append((i, s))
    return out


def replan_day(state, d: int, time_limit_seconds: float, free: set | None = None) -> float:
    """Re-solve day d of `state` (plan's) for the agents in `free` (keys; None: all), keep
    it if the objective improves; the gain."""
    classes = day_classes(state, d, free)
    if not classes:
        return 0.0
    before = state.objective()
    saved = {}
    for cls in classes:
        for a in cls.agents:
            if d in a.shifts:
                saved[a.agent.key] = (a, a.shifts[d])
                state.apply(a, a.shifts[d], -1)
                del a.shifts[d]
    covered = state.coverage.copy()
    plan = solve_day(state, d, classes, covered, time_limit_seconds)
    if plan is None:
        _put_back(state, d, saved)
        return 0.0
    new = []
    for k, cls in enumerate(classes):
        cands = cls.agents[0].by_day[d]
        todo = list(plan.shifts[k])
        rest = []
        for a in cls.agents:  # an agent keeps its shift when the day still has it
            old = saved.get(a.agent.key)
            hit = next((j for j, (i, _) in enumerate(todo)
                        if old is not None and cands[i] == old[1].candidate), None)
            if hit is None:
                rest.append(a)
            else:
                new.append((a, todo.pop(hit)))
        for a, shift in zip(rest, todo, strict=False):
            new.append((a, shift))
    placed = []
    for a, (i, s) in new:
        c = a.by_day[d][i]
        queues = [IDLE] * (c.end - c.start)
        if s is not None:
            for t in range(s, s + c.break_intervals):
                queues[t - c.start] = NOT_WORKING
        a.shifts[d] = Assigned(c, s, queues)
        placed.append((a, a.shifts[d]))
    by_t: dict[int, list] = defaultdict(list)
    for a, x in placed:
        for k, q in enumerate(x.queues):
            if q != NOT_WORKING:
                by_t[x.candidate.start + k].append((a, x, k))
    for t in sorted(by_t):
        people = by_t[t]
        options = [allowed_queues(state, a, x, k) for a, x, k in people]
        chosen = interval_flow(state, t, people, options, covered[:, t])
        for (_, x, k), q in zip(people, chosen, strict=True):
            x.queues[k] = q
    for a, x in placed:
        state.apply(a, x, +1)
    for _ in range(ACTIVITY_PASSES):  # each new shift's break and queues against the rest
        for j, (a, x) in enumerate(placed):
            state.apply(a, x, -1)
            _, s, queues = state.best_activities(a, x.candidate, state.marginal(a.skills))
            placed[j] = (a, Assigned(x.candidate, s, queues))
            a.shifts[d] = placed[j][1]
            state.apply(a, placed[j][1], +1)
    after = state.objective()
    if after < before - 1e-9:
        return before - after
    for a, x in placed:
        state.apply(a, x, -1)
        del a.shifts[d]
    _put_back(state, d, saved)
    return 0.0


def _put_back(state, d: int, saved: dict) -> None:
    """Restore the day's saved shifts."""
    for a, x in saved.values():
        a.shifts[d] = x
        state.apply(a, x, +1)
